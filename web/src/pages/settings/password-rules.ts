// The server's password rule (src/auth/passwords.cc): 12 to 1024 bytes of UTF-8, no NUL.
export const PASSWORD_MIN_BYTES = 12;
export const PASSWORD_MAX_BYTES = 1024;

export function passwordProblem(password: string): string | null {
  const bytes = new TextEncoder().encode(password).length;
  if (bytes < PASSWORD_MIN_BYTES) return `At least ${PASSWORD_MIN_BYTES} characters.`;
  if (bytes > PASSWORD_MAX_BYTES) return `At most ${PASSWORD_MAX_BYTES} bytes.`;
  if (password.includes("\u0000")) return "It must not contain NUL characters.";
  return null;
}
