// Red team, issue 22: OTLP endpoint forms that name private or metadata addresses through
// IPv6 translations, DNS tricks and trailing dots (checked by the rule the API applies).
import { describe, expect, it } from "vitest";
import { assertTelemetryEndpoint } from "../../workers/telemetry/config.js";

describe("OTLP endpoint rule, private upstreams not allowed", () => {
  it("refuses translated, tunnelled and DNS-alias forms of internal addresses", () => {
    const refused = [
      "https://[64:ff9b::a9fe:a9fe]/v1/traces",
      "https://[64:ff9b::7f00:1]/v1/traces",
      "https://[2002:a9fe:a9fe::1]/v1/traces",
      "https://[2002:7f00:1::1]/v1/traces",
      "https://[::a9fe:a9fe]/v1/traces",
      "https://[::127.0.0.1]/v1/traces",
      "https://[::]/v1/traces",
      "https://[fe80::1]/v1/traces",
      "https://localhost./v1/traces",
      "https://foo.localhost/v1/traces",
      "https://metadata.google.internal./v1/traces",
      "https://169.254.169.254.nip.io/v1/traces",
      "https://127.0.0.1.sslip.io/v1/traces",
      "https://7f000001.nip.io/v1/traces",
      "https://collector.internal/v1/traces",
      "https://collector/v1/traces",
      "https://0/v1/traces",
      "https://127.1/v1/traces",
      "https://[0:0:0:0:0:ffff:7f00:1]/v1/traces",
    ];
    const passed = refused.filter((u) => {
      try {
        assertTelemetryEndpoint(u, false);
        return true;
      } catch {
        return false;
      }
    });
    expect(passed).toEqual([]);
  });
});
