#!/usr/bin/env node
// React's development build checks every render several times over; an operator's TUI runs the
// production one unless told otherwise. Set before React loads, hence the dynamic import.
process.env.NODE_ENV ??= 'production';
// Ink draws nothing but the last frame when CI is set (is-in-ci, read once at import). On a
// terminal the user is looking at the screen, whatever a CI runner or a shell profile exported.
if (process.stdin.isTTY && process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}
const { main } = await import('../app/main.js');
process.exit(await main(process.argv.slice(2)));
