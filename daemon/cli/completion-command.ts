import { Argument, type Command } from 'commander';
import { examples } from './help.js';

/** One node of the command tree as the completion scripts see it. */
interface Node {
  /** Words after `aidos` that lead here, space-joined ('' for the root). */
  path: string;
  /** Subcommand names. */
  subcommands: { name: string; description: string }[];
  /** Long (and short) option names with their description. */
  options: { flags: string[]; description: string }[];
}

function walk(cmd: Command, path: string[] = []): Node[] {
  const node: Node = {
    path: path.join(' '),
    subcommands: cmd.commands.map((c) => ({ name: c.name(), description: c.description() })),
    options: [
      ...cmd.options.map((o) => ({
        flags: [o.long, o.short].filter((f): f is string => Boolean(f)),
        description: o.description,
      })),
      { flags: ['--help', '-h'], description: 'display help' },
    ],
  };
  return [node, ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function caseTable(nodes: Node[], pick: (n: Node) => string[]): string {
  return nodes.map((n) => `    ${quote(n.path)}) echo ${quote(pick(n).join(' '))} ;;`).join('\n');
}

function shellData(nodes: Node[]): string {
  return `_aidos_subcommands() {
  case "$1" in
${caseTable(nodes, (n) => n.subcommands.map((s) => s.name))}
  esac
}
_aidos_words() {
  case "$1" in
${caseTable(nodes, (n) => [...n.subcommands.map((s) => s.name), ...n.options.flatMap((o) => o.flags)])}
  esac
}
# The command path of the words typed so far (options skipped).
_aidos_path() {
  local path="" w
  for w in "$@"; do
    case " $(_aidos_subcommands "$path") " in
      *" $w "*) path="\${path:+$path }$w" ;;
    esac
  done
  echo "$path"
}`;
}

function bash(nodes: Node[]): string {
  return `# aidos completion for bash: source <(aidos completion bash)
${shellData(nodes)}
_aidos() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local path
  path="$(_aidos_path "\${COMP_WORDS[@]:1:COMP_CWORD-1}")"
  mapfile -t COMPREPLY < <(compgen -W "$(_aidos_words "$path")" -- "$cur")
}
complete -o default -F _aidos aidos
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef aidos
# aidos completion for zsh: source <(aidos completion zsh), or save as _aidos in $fpath
${shellData(nodes)}
_aidos() {
  local path
  path="$(_aidos_path "\${(@)words[2,CURRENT-1]}")"
  compadd -- \${=$(_aidos_words "$path")}
}
compdef _aidos aidos
`;
}

function fish(nodes: Node[]): string {
  const lines = ['# aidos completion for fish: aidos completion fish | source', 'complete -c aidos -f'];
  for (const n of nodes) {
    const words = n.path ? n.path.split(' ') : [];
    const last = words[words.length - 1];
    const below = n.subcommands.map((s) => s.name).join(' ');
    const cond = last
      ? `__fish_seen_subcommand_from ${last}${below ? `; and not __fish_seen_subcommand_from ${below}` : ''}`
      : '__fish_use_subcommand';
    for (const s of n.subcommands)
      lines.push(`complete -c aidos -n ${quote(cond)} -a ${quote(s.name)} -d ${quote(s.description)}`);
    const optCond = last ? `__fish_seen_subcommand_from ${last}` : '__fish_use_subcommand';
    for (const o of n.options) {
      const long = o.flags.find((f) => f.startsWith('--'))?.slice(2);
      const short = o.flags.find((f) => /^-[^-]$/.test(f))?.slice(1);
      if (!long) continue;
      lines.push(
        `complete -c aidos -n ${quote(optCond)} -l ${long}${short ? ` -s ${short}` : ''} -d ${quote(o.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

/** `aidos completion bash|zsh|fish`: prints a completion script generated from the command tree. */
export function registerCompletionCommand(program: Command): void {
  const cmd = program
    .command('completion')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(Object.keys(SHELLS)))
    .description('print a shell completion script (bash, zsh or fish)');
  examples(cmd, [
    'aidos completion bash > ~/.local/share/bash-completion/completions/aidos',
    'source <(aidos completion bash)          # or this line in ~/.bashrc',
    'aidos completion zsh > ~/.zfunc/_aidos     # with fpath+=(~/.zfunc) in ~/.zshrc',
    'aidos completion fish > ~/.config/fish/completions/aidos.fish',
  ]).action((shell: string) => {
    process.stdout.write(SHELLS[shell as keyof typeof SHELLS](walk(program)));
  });
}
