import assert from "node:assert/strict";
import { ERROR_CODES } from "../shared/lobby_protocol.ts";
import { createLobbyMetrics, REJECT_REASONS } from "./lobby_metrics.ts";
import { parsePrometheusText } from "./testing/prometheus_text.ts";

Deno.test("every labelled series exists at 0 before the first event, and counts move", async () => {
  const m = createLobbyMetrics();
  let parsed = parsePrometheusText(await m.registry.render());
  for (const code of ERROR_CODES) assert.equal(parsed.value("duet_errors_total", { code }), 0);
  for (const reason of REJECT_REASONS) {
    assert.equal(parsed.value("duet_connections_rejected_total", { reason }), 0);
  }
  assert.equal(parsed.value("duet_rate_limited_clients_total", { scope: "ip" }), 0);
  assert.equal(parsed.value("duet_pairings_total"), 0);
  m.errors.inc({ code: "room-full" });
  m.relayedMessages.inc({ kind: "offer" });
  m.relayedBytes.inc(undefined, 1234);
  parsed = parsePrometheusText(await m.registry.render());
  assert.equal(parsed.value("duet_errors_total", { code: "room-full" }), 1);
  assert.equal(parsed.value("duet_relayed_messages_total", { kind: "offer" }), 1);
  assert.equal(parsed.value("duet_relayed_bytes_total"), 1234);
  for (const [name, type] of parsed.types) {
    assert.equal(type, "counter", name);
    assert.match(name, /^duet_.*_total$/);
  }
});
