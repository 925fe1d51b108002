// Text pasted into the cron field: a bare expression, a macro (@daily), or a whole crontab
// line or file. Keeps the schedule fields and says what it dropped. Pure.

export const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export interface CronPaste {
  /** The expression to use: the text itself when it needed nothing. */
  cron: string;
  /** True when `cron` differs from what was pasted (fields kept, something dropped or expanded). */
  changed: boolean;
  /** The macro that was expanded ("@daily"). */
  macro: string | null;
  /** What followed the schedule fields (the user and command of a crontab line). */
  dropped: string | null;
  /** A CRON_TZ= or TZ= line's zone, and which of the two it was. */
  timezone: string | null;
  timezoneVariable: string | null;
  /** Other schedule lines ignored (only the first is used). */
  ignoredLines: number;
  /** A line that cannot become a schedule (@reboot). */
  error: string | null;
}

const NAME = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT";
const FIELD_TOKEN = new RegExp(`^(?:[0-9*?/,#-]|L|W|${NAME})+$`, "i");

/** A token that can be a cron field (as opposed to the start of a command). */
export function looksLikeField(token: string): boolean {
  return FIELD_TOKEN.test(token) && /[0-9*?A-Z]/i.test(token) && !/^[/,#-]/.test(token);
}

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0]!)) return v.slice(1, -1);
  return v;
}

/**
 * The schedule in `text`. `30 2 * * 1 /usr/bin/backup.sh` keeps `30 2 * * 1` and drops the
 * command; `@daily` becomes `0 0 * * *`; `CRON_TZ=Europe/Berlin` on a line of its own gives a
 * zone; comments and other variable lines are ignored. Exactly 6 tokens whose last looks like
 * a field are a 6-field expression (seconds first); a crontab line with a command never has
 * seconds, so 7 or more tokens keep 5.
 */
export function parseCronPaste(text: string): CronPaste {
  const result: CronPaste = {
    cron: text.trim(),
    changed: false,
    macro: null,
    dropped: null,
    timezone: null,
    timezoneVariable: null,
    ignoredLines: 0,
    error: null,
  };
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const scheduleLines: string[] = [];
  for (const line of lines) {
    if (!line || line.startsWith("#")) continue;
    const env = ENV_LINE.exec(line);
    if (env && !line.startsWith("@")) {
      const name = env[1]!.toUpperCase();
      if (name === "CRON_TZ" || name === "TZ") {
        result.timezone = unquote(env[2]!) || null;
        result.timezoneVariable = result.timezone ? name : null;
      }
      continue;
    }
    scheduleLines.push(line);
  }
  const line = scheduleLines[0];
  result.ignoredLines = Math.max(0, scheduleLines.length - 1);
  if (line === undefined) {
    result.cron = "";
    result.changed = text.trim() !== "";
    return result;
  }
  const tokens = line.split(/\s+/);
  const rest = (count: number): string | null => {
    const m = new RegExp(`^(?:\\S+\\s+){${count}}`).exec(line);
    const tail = m ? line.slice(m[0].length).trim() : "";
    return tail || null;
  };

  const first = tokens[0]!;
  if (first.startsWith("@")) {
    const macro = first.toLowerCase();
    if (macro === "@reboot") {
      result.error = "@reboot runs when cron starts, which has no schedule here: use Manual, or Once for a single run.";
      result.dropped = rest(1);
      return result;
    }
    const expansion = MACROS[macro];
    result.dropped = rest(1);
    if (expansion) {
      result.macro = macro;
      result.cron = expansion;
    } else {
      result.cron = first; // the server names the known macros
    }
  } else if (tokens.length >= 6) {
    const six = tokens.length === 6 && looksLikeField(tokens[5]!);
    const count = six ? 6 : 5;
    result.cron = tokens.slice(0, count).join(" ");
    result.dropped = rest(count);
  } else {
    result.cron = tokens.join(" ");
  }
  result.changed = result.cron !== text.trim();
  return result;
}

/** One sentence about what a paste changed, for the line under the field; null if nothing. */
export function describePaste(p: CronPaste): string | null {
  if (p.error) return p.error;
  if (!p.changed && !p.timezone) return null;
  const parts: string[] = [];
  if (p.macro) parts.push(`${p.macro} is ${p.cron}`);
  if (p.dropped) parts.push(`kept the schedule fields and dropped “${p.dropped}” (the event's own script runs instead)`);
  if (p.ignoredLines) parts.push(`used the first line and ignored ${p.ignoredLines} more`);
  if (p.timezone) parts.push(`took the time zone ${p.timezone} from ${p.timezoneVariable ?? "CRON_TZ"}`);
  if (!parts.length) return null;
  const text = parts.join("; ");
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}
