/**
 * Reading an agentapi conversation: which turn is ours, and whether the agent's screen
 * waits for a person. Pure functions over `GET /messages`, so they can be tested on
 * their own.
 *
 * An agentapi server runs one agent with one conversation, shared by every client. A
 * run's answer is therefore not "the last agent message": it is the agent messages
 * that follow our own user message, up to the next user message (someone else's
 * prompt). Our message is the first user message after the count we noted before
 * posting whose content is our prompt as agentapi stores it.
 */

export interface AgentapiMessage {
  id: number;
  role: string;
  content: string;
  time?: string;
}

/**
 * The prompt as agentapi records it. The server trims " \t\n\r\f\v" from both ends
 * (msgfmt.TrimWhitespace, in httpapi.FormatMessage) before sending it to the agent and
 * storing it, so a YAML block's trailing newline is not part of the stored message.
 */
export function agentapiContent(prompt: string): string {
  return prompt.replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, '');
}

/** Index of our user message: the first with our content at or after `from`; -1 if it is not there (yet). */
export function findOurMessage(messages: AgentapiMessage[], from: number, content: string): number {
  for (let i = Math.max(0, from); i < messages.length; i++) {
    if (messages[i].role === 'user' && messages[i].content === content) return i;
  }
  return -1;
}

export interface Turn {
  /** The agent's messages after ours, joined. */
  text: string;
  /** Whether the agent has said anything since our message. */
  answered: boolean;
  /** A later user message exists: our turn is over, whatever the agent does now. */
  closed: boolean;
}

/** The agent's side of the turn that our message (at `index`) opened. */
export function turnAfter(messages: AgentapiMessage[], index: number): Turn {
  const replies: string[] = [];
  let closed = false;
  for (let i = index + 1; i < messages.length; i++) {
    if (messages[i].role === 'user') {
      closed = true;
      break;
    }
    if (messages[i].role === 'agent') replies.push(String(messages[i].content));
  }
  return { text: replies.join('\n\n').trim(), answered: replies.length > 0, closed };
}

/** Frame characters of terminal boxes, stripped from the ends of a line before it is read. */
const FRAME = /^[\s│┃║╎╏┆┇┊┋|]+|[\s│┃║╎╏┆┇┊┋|]+$/g;
/** A line that is only a border. */
const BORDER = /^[\s─━═╌╍┄┅┈┉╭╮╰╯┌┐└┘├┤┬┴┼╔╗╚╝▀▄]*$/;

/** An option with the selection cursor on it: `❯ 1. Yes`, `> 2. Require approval`, `▶ [a] Trust`, `→ Run (y) (enter)`. */
const CURSOR_OPTION = /^(?:❯|›|>|→|▶|➤|»)\s*(?:\d+[.)]\s+\S|\[\w\]\s+\S|\S.*\((?:y|enter|tab)\))/i;
/** Another option of the same list: `2. No, and tell Claude what to do differently (esc)`. */
const OPTION = /^(?:\d+[.)]|\[\w\])\s+\S/;
/** A yes/no question waiting for a key: `Allow this action? … [y/n/t]:`, `Continue? (Y/n)`. */
const YES_NO = /[[(]y\/n(?:\/\w)*[\])]\s*:?\s*$/i;
/** Key hints that only a selection or confirmation screen shows. */
const KEY_HINT = /press enter to continue|confirm with number keys|enter to confirm|esc to cancel/i;

/** How many of the screen's last meaningful lines are read: a prompt sits at the bottom of the screen. */
const TAIL_LINES = 12;

/**
 * The line that shows the agent waiting for a person, or undefined.
 *
 * agentapi's `/status` says `stable` once the terminal has not changed for 2 s; that
 * is also true of a coding agent stopped at a permission or selection prompt ("Do you
 * want to proceed? ❯ 1. Yes  2. No"), which agentapi leaves in the agent message
 * (msgfmt's confirmation_box cases) and which only a keystroke (a `raw` message)
 * answers. Such a screen is not an answer. The shapes checked are those agentapi's own
 * test screens show for Claude Code, Codex, Copilot, Cursor and Amazon Q. Only the
 * `pty` transport has them: with `acp`, agentapi approves permission requests itself.
 */
export function awaitsUser(text: string): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.replace(FRAME, ''))
    .filter((line) => line.length > 0 && !BORDER.test(line))
    .slice(-TAIL_LINES);
  const cursor = lines.findIndex((line) => CURSOR_OPTION.test(line));
  if (cursor >= 0 && (lines.some((line, i) => i !== cursor && OPTION.test(line)) || /\((?:y|enter|tab)\)/i.test(lines[cursor]))) {
    return lines[cursor];
  }
  const last = lines.at(-1) ?? '';
  if (YES_NO.test(last)) return last;
  return lines.find((line) => KEY_HINT.test(line));
}
