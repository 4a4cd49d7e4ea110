#!/usr/bin/env node
// The Ink TUI lands with its own issue; until then this entry point says so instead of failing
// obscurely, and points at the CLI that covers the same ground.
process.stderr.write(
  'aidos-tui: the terminal UI is not part of this release yet.\n' +
    'Use the CLI meanwhile: aidos task list | show ID | logs -f ID, aidos health --deep.\n',
);
process.exit(69);
