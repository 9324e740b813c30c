/**
 * The lobby settings every benchmark's lobby runs with. Each load generator and bench page connects
 * from 127.0.0.1, so the limits meant for many real addresses would throttle it: the per-address
 * connection cap, message rate and room-churn limit are off, and so is the per-connection churn
 * limit (a bench page creates and joins a room per try) and the password backoff. The
 * per-connection message rate stays at its production default: the relay load stays under it.
 */
export const BENCH_LOBBY_ENV: Readonly<Record<string, string>> = {
  MAX_CONNECTIONS_PER_IP: "0",
  IP_RATE_LIMIT_PER_SECOND: "0",
  IP_CHURN_PER_SECOND: "0",
  CHURN_PER_SECOND: "0",
  PASSWORD_BACKOFF_MS: "0",
};
