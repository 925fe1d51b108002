import { describe, expect, it } from "vitest";
import { passwordProblem } from "../settings/password-rules";
import { readAuditFilter, withAuditFilter } from "./audit-filter";

describe("audit filters in the URL", () => {
  it("reads the four filters, trimmed and capped at the server's 64 bytes", () => {
    const f = readAuditFilter(new URLSearchParams(`actor=usr_1&action=variable.set&targetType=variable&targetId=${"x".repeat(80)}`));
    expect(f).toEqual({ actor: "usr_1", action: "variable.set", targetType: "variable", targetId: "x".repeat(64) });
    expect(readAuditFilter(new URLSearchParams(""))).toEqual({ actor: "", action: "", targetType: "", targetId: "" });
  });

  it("changes only what is given and drops empty values", () => {
    const next = withAuditFilter(new URLSearchParams("action=a&targetId=b&other=1"), { action: "", actor: "usr_2" });
    expect(next.toString()).toBe("targetId=b&other=1&actor=usr_2");
  });
});

describe("password rule", () => {
  it("follows the server: 12 to 1024 bytes, no NUL", () => {
    expect(passwordProblem("short")).toMatch(/12/);
    expect(passwordProblem("twelve-chars")).toBeNull();
    expect(passwordProblem("x".repeat(1025))).toMatch(/1024/);
    expect(passwordProblem("abcdefghijkl\u0000")).toMatch(/NUL/);
  });
});
