/** What the IRC connection is doing, for logs, health checks and tests. */
export type IrcStatus =
  | { kind: 'connecting'; attempt: number; host: string; port: number }
  | { kind: 'connected' }
  | { kind: 'registered'; nick: string }
  | { kind: 'logged-in'; account: string }
  | { kind: 'login-failed'; reason: string }
  | { kind: 'joined'; channel: string }
  | { kind: 'join-failed'; channel: string; reason: string }
  | { kind: 'nick'; nick: string }
  | { kind: 'disconnected'; reason: string; registeredMs: number }
  | { kind: 'reconnecting'; attempt: number; delayMs: number }
  | { kind: 'stopped' };
