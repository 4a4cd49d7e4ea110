#!/usr/bin/env node
// React's development build checks every render several times over; an operator's TUI runs the
// production one unless told otherwise. Set before React loads, hence the dynamic import.
process.env.NODE_ENV ??= 'production';
const { main } = await import('../app/main.js');
process.exit(await main(process.argv.slice(2)));
