import { describe, expect, it } from 'vitest';
import { agentapiContent, awaitsUser, findOurMessage, turnAfter, type AgentapiMessage } from '../../../functions/runtime/agents/agentapi-conversation.ts';

const box = (lines: string[]) => [`╭${'─'.repeat(60)}╮`, ...lines.map((line) => `│ ${line.padEnd(58)} │`), `╰${'─'.repeat(60)}╯`].join('\n');

describe('agentapi: a screen waiting for a person', () => {
  it.each([
    [
      'Claude Code asking to run a command',
      `● Bash(npm test)\n\n${box([
        'Bash command',
        '  npm test',
        'Do you want to proceed?',
        '❯ 1. Yes',
        "  2. Yes, and don't ask again for npm test commands",
        '  3. No, and tell Claude what to do differently (esc)',
      ])}`,
      '❯ 1. Yes',
    ],
    ['Copilot confirming a command', box(['Do you want to run this command?', '', '❯ 1. Yes', '  2. No (Esc)', '', 'Confirm with number keys or ↑↓ keys and Enter, Cancel with Esc']), '❯ 1. Yes'],
    ['Codex choosing an approval mode', '  1. Allow Codex to work in this folder without asking for approval\n> 2. Require approval of edits and commands\n\n  Press Enter to continue', '> 2. Require approval of edits and commands'],
    ['Cursor asking to run a command', box(['Run this command?', 'Not in allowlist: git', ' → Run (y) (enter)', '   Reject (esc or p)']), '→ Run (y) (enter)'],
    ['Amazon Q asking to allow a tool', "● Running coder_report_task\n\nAllow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:", "Allow this action? Use 't' to trust (always allow) this tool for the session. [y/n/t]:"],
    ['a workspace trust question', '⚠ Workspace Trust Required\nDo you trust the contents of this directory?\n▶ [a] Trust this workspace\n  [q] Quit', '▶ [a] Trust this workspace'],
  ])('sees %s', (_what, screen, line) => {
    expect(awaitsUser(screen)).toBe(line);
  });

  it.each([
    ['a finished answer with a numbered list', 'I fixed the bug. Next steps:\n1. Run the tests\n2. Deploy'],
    ['a quoted line', 'As the docs say:\n> 1 request per second is the limit.\nSo I added a delay.'],
    ['a hint shown while working', '✻ Thinking… (12s · esc to interrupt)'],
    ['an empty input box', `Done.\n\n${box(['>'])}`],
    ['an old question far above the end', ['Do you want to proceed?', '❯ 1. Yes', '  2. No', ...Array.from({ length: 20 }, (_, i) => `line ${i} of the final answer`)].join('\n')],
  ])('does not mistake %s for a question', (_what, screen) => {
    expect(awaitsUser(screen)).toBeUndefined();
  });
});

describe('agentapi: our turn in a shared conversation', () => {
  const conversation: AgentapiMessage[] = [
    { id: 0, role: 'agent', content: 'Welcome' },
    { id: 1, role: 'user', content: 'Fix the bug' },
    { id: 2, role: 'agent', content: 'An old answer' },
    { id: 3, role: 'user', content: 'Fix the bug' },
    { id: 4, role: 'agent', content: 'Our answer' },
    { id: 5, role: 'user', content: 'Another run' },
    { id: 6, role: 'agent', content: 'Working.' },
  ];

  it('finds our message only after the count noted before posting', () => {
    expect(findOurMessage(conversation, 3, 'Fix the bug')).toBe(3);
    expect(findOurMessage(conversation, 4, 'Fix the bug')).toBe(-1);
  });

  it('answers with the agent messages up to the next user message, and knows the turn is over', () => {
    expect(turnAfter(conversation, 3)).toStrictEqual({ text: 'Our answer', answered: true, closed: true });
    expect(turnAfter(conversation, 5)).toStrictEqual({ text: 'Working.', answered: true, closed: false });
  });

  it('compares with the prompt as agentapi stores it: trimmed of " \\t\\n\\r\\f\\v"', () => {
    expect(agentapiContent('\n  Fix the bug\n\n')).toBe('Fix the bug');
    expect(agentapiContent('Fix\u00a0')).toBe('Fix\u00a0');
  });
});
