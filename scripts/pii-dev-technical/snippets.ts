// Technical snippets written here for the clean dev set: logs, traces, configs, tables and code in
// languages the installed packages do not ship. None holds personal data.
export const SNIPPETS: string[] = [
  `2026-11-30T08:14:02.331Z INFO  [main] o.s.b.w.embedded.tomcat.TomcatWebServer : Tomcat initialized with port(s): 8080 (http)
2026-11-30T08:14:02.347Z INFO  [main] o.apache.catalina.core.StandardService   : Starting service [Tomcat]
2026-11-30T08:14:02.348Z INFO  [main] org.apache.catalina.core.StandardEngine  : Starting Servlet engine: [Apache Tomcat/10.1.16]
2026-11-30T08:14:02.455Z INFO  [main] o.a.c.c.C.[Tomcat].[localhost].[/]       : Initializing Spring embedded WebApplicationContext
2026-11-30T08:14:03.902Z WARN  [main] JpaBaseConfiguration$JpaWebConfiguration : spring.jpa.open-in-view is enabled by default.`,
  `Exception in thread "main" java.lang.NullPointerException: Cannot invoke "com.acme.billing.Invoice.getTotal()" because "invoice" is null
	at com.acme.billing.InvoiceService.settle(InvoiceService.java:142)
	at com.acme.billing.InvoiceController.post(InvoiceController.java:57)
	at java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
	at org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)
Caused by: org.hibernate.LazyInitializationException: could not initialize proxy [com.acme.billing.Customer#42] - no Session`,
  `goroutine 1 [running]:
main.(*Server).handleUpload(0xc0001a2000, {0x7f3a2c, 0xc00023e0e0}, 0xc000252100)
	/src/cmd/ingest/server.go:118 +0x2a5
net/http.HandlerFunc.ServeHTTP(0xc000010030, {0x7f3a2c, 0xc00023e0e0}, 0xc000252100)
	/usr/local/go/src/net/http/server.go:2136 +0x29
panic: runtime error: index out of range [3] with length 3`,
  `thread 'tokio-runtime-worker' panicked at 'called \`Result::unwrap()\` on an \`Err\` value: Os { code: 111, kind: ConnectionRefused, message: "Connection refused" }', src/broker/client.rs:77:41
note: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace
error: process didn't exit successfully: \`target/debug/broker --config dev.toml\` (exit status: 101)`,
  `Traceback (most recent call last):
  File "/app/manage.py", line 22, in <module>
    main()
  File "/usr/local/lib/python3.12/site-packages/django/core/management/__init__.py", line 442, in execute_from_command_line
    utility.execute()
  File "/usr/local/lib/python3.12/site-packages/django/db/backends/utils.py", line 89, in _execute
    return self.cursor.execute(sql, params)
django.db.utils.ProgrammingError: relation "accounts_profile" does not exist
LINE 1: SELECT "accounts_profile"."id", "accounts_profile"."user_id" FROM ...`,
  `NAME                                READY   STATUS             RESTARTS        AGE
api-gateway-7d9f8c6b5d-2xkqp        1/1     Running            0               3d4h
billing-worker-5c7b9d8f6-lmn2z      0/1     CrashLoopBackOff   37 (2m ago)     3h12m
kafka-0                             1/1     Running            1 (5d ago)      12d
redis-master-0                      1/1     Running            0               12d
sentry-relay-6f4d7b9c8-q8w7e        1/1     Running            0               6h`,
  `Events:
  Type     Reason     Age                  From               Message
  ----     ------     ----                 ----               -------
  Normal   Scheduled  12m                  default-scheduler  Successfully assigned prod/billing-worker-5c7b9d8f6-lmn2z to ip-node-pool-b
  Normal   Pulled     11m (x4 over 12m)    kubelet            Container image "registry.acme.dev/billing:2.14.1" already present on machine
  Warning  BackOff    2m (x47 over 12m)    kubelet            Back-off restarting failed container worker in pod billing-worker`,
  `resource "aws_s3_bucket" "artifacts" {
  bucket        = "acme-build-artifacts-prod"
  force_destroy = false
  tags = {
    Environment = "production"
    Team        = "platform"
    ManagedBy   = "terraform"
  }
}

resource "aws_iam_role_policy" "ci_upload" {
  name   = "ci-upload"
  role   = aws_iam_role.ci.id
  policy = data.aws_iam_policy_document.ci_upload.json
}`,
  `name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [18, 20, 22]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: \${{ matrix.node }}
          cache: npm
      - run: npm ci
      - run: npm test -- --coverage`,
  `FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
RUN npm run build

FROM gcr.io/distroless/nodejs20-debian12
COPY --from=build /app/dist /app
ENV NODE_ENV=production PORT=8080
EXPOSE 8080
USER nonroot
CMD ["/app/server.js"]`,
  `package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

func withTimeout(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		slog.Debug("request", "method", r.Method, "path", r.URL.Path)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}`,
  `use std::collections::HashMap;

#[derive(Debug, Clone, serde::Deserialize)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay_ms: u64,
}

impl RetryPolicy {
    pub fn delay(&self, attempt: u32) -> std::time::Duration {
        let factor = 2u64.saturating_pow(attempt.min(10));
        std::time::Duration::from_millis(self.base_delay_ms * factor)
    }
}

pub fn index_by_name(items: &[Item]) -> HashMap<&str, &Item> {
    items.iter().map(|i| (i.name.as_str(), i)).collect()
}`,
  `public final class RateLimiter {
    private final long capacity;
    private final Duration refillPeriod;
    private final AtomicLong tokens;

    public RateLimiter(long capacity, Duration refillPeriod) {
        this.capacity = capacity;
        this.refillPeriod = Objects.requireNonNull(refillPeriod, "refillPeriod");
        this.tokens = new AtomicLong(capacity);
    }

    public boolean tryAcquire() {
        return tokens.getAndUpdate(t -> t > 0 ? t - 1 : 0) > 0;
    }
}`,
  `SELECT o.id, o.created_at, c.region, SUM(li.quantity * li.unit_price) AS total
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN line_items li ON li.order_id = o.id
WHERE o.created_at >= DATE '2026-01-01'
  AND o.status IN ('paid', 'shipped')
GROUP BY o.id, o.created_at, c.region
HAVING SUM(li.quantity * li.unit_price) > 1000
ORDER BY total DESC
LIMIT 50;`,
  `| Benchmark              | ops/sec   | ±      | samples |
|------------------------|-----------|--------|---------|
| JSON.parse small       | 1,204,331 | 0.42%  | 94      |
| JSON.parse large       | 3,118     | 1.10%  | 88      |
| structuredClone        | 212,904   | 0.87%  | 91      |
| msgpack decode         | 488,210   | 0.55%  | 93      |`,
  `$ cargo build --release
   Compiling proc-macro2 v1.0.86
   Compiling unicode-ident v1.0.12
   Compiling serde v1.0.204
   Compiling tokio v1.39.2
   Compiling hyper v1.4.1
   Compiling broker v0.3.0 (/home/build/broker)
warning: unused variable: \`attempt\`
  --> src/retry.rs:41:9
   |
41 |     let attempt = 0;
   |         ^^^^^^^ help: if this is intentional, prefix it with an underscore: \`_attempt\`
    Finished \`release\` profile [optimized] target(s) in 1m 12s`,
  `============================= test session starts ==============================
platform linux -- Python 3.11.2, pytest-8.3.2, pluggy-1.5.0
rootdir: /src/ingest
configfile: pyproject.toml
plugins: asyncio-0.23.8, cov-5.0.0
collected 48 items

tests/test_parser.py ........F.....                                       [ 29%]
tests/test_queue.py ..................                                    [ 66%]
tests/test_worker.py ................                                     [100%]

=================================== FAILURES ===================================
______________________ test_parse_header_with_bom ______________________________
    def test_parse_header_with_bom():
>       assert parse_header(b"\\xef\\xbb\\xbfid,name") == ["id", "name"]
E       AssertionError: assert ['\\ufeffid', 'name'] == ['id', 'name']`,
  `Nov 30 08:12:44 build-runner-3 systemd[1]: Starting docker.service - Docker Application Container Engine...
Nov 30 08:12:45 build-runner-3 dockerd[812]: time="2026-11-30T08:12:45.118Z" level=info msg="Loading containers: start."
Nov 30 08:12:45 build-runner-3 dockerd[812]: time="2026-11-30T08:12:45.402Z" level=warning msg="Could not get operating system version: open /etc/os-release: no such file"
Nov 30 08:12:46 build-runner-3 systemd[1]: Started docker.service - Docker Application Container Engine.
Nov 30 08:13:10 build-runner-3 kernel: [  88.301223] overlayfs: upper fs does not support RENAME_WHITEOUT.`,
  `[package]
name = "broker"
version = "0.3.0"
edition = "2021"
rust-version = "1.75"

[dependencies]
tokio = { version = "1.39", features = ["full"] }
serde = { version = "1", features = ["derive"] }
tracing = "0.1"
hyper = { version = "1.4", features = ["server", "http1"] }

[profile.release]
lto = "thin"
codegen-units = 1`,
  `[mysqld]
bind-address            = localhost
max_connections         = 200
innodb_buffer_pool_size = 2G
innodb_log_file_size    = 512M
slow_query_log          = 1
slow_query_log_file     = /var/log/mysql/slow.log
long_query_time         = 0.5

[client]
default-character-set = utf8mb4`,
  `server {
    listen 443 ssl http2;
    server_name api.example.com;
    ssl_certificate     /etc/ssl/certs/api.pem;
    ssl_certificate_key /etc/ssl/private/api.key;

    location /v1/ {
        proxy_pass http://upstream_api;
        proxy_set_header Host $host;
        proxy_set_header X-Request-Id $request_id;
        proxy_read_timeout 60s;
    }

    location = /healthz { return 204; }
}`,
  `npm ERR! code ERESOLVE
npm ERR! ERESOLVE unable to resolve dependency tree
npm ERR!
npm ERR! While resolving: dashboard@0.1.0
npm ERR! Found: react@18.3.1
npm ERR! node_modules/react
npm ERR!   react@"^18.2.0" from the root project
npm ERR!
npm ERR! Could not resolve dependency:
npm ERR! peer react@"^17.0.0" from react-beautiful-dnd@13.1.1
npm ERR! Fix the upstream dependency conflict, or retry this command with --force or --legacy-peer-deps`,
  `error[E0502]: cannot borrow \`self.buffer\` as mutable because it is also borrowed as immutable
  --> src/codec.rs:58:9
   |
55 |         let head = &self.buffer[..4];
   |                     ----------- immutable borrow occurs here
...
58 |         self.buffer.clear();
   |         ^^^^^^^^^^^^^^^^^^^ mutable borrow occurs here
59 |         decode_header(head)
   |                       ---- immutable borrow later used here`,
  `src/routes/admin/members.ts:41:17 - error TS2345: Argument of type 'string | undefined' is not assignable to parameter of type 'string'.
  Type 'undefined' is not assignable to type 'string'.

41     await store.get(c.req.param("memberId"));
                   ~~~~~~~~~~~~~~~~~~~~~~~~~~~

src/data/members.ts:12:3 - error TS2322: Type 'Row | null' is not assignable to type 'Row'.

Found 2 errors in 2 files.`,
  `class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.display_name", read_only=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "status", "customer_name", "total", "created_at"]
        read_only_fields = ["status", "created_at"]

    def validate_status(self, value):
        if value not in Order.Status.values:
            raise serializers.ValidationError(f"unknown status {value!r}")
        return value`,
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: celery-worker
  labels: {app: celery-worker, tier: backend}
spec:
  replicas: 3
  selector:
    matchLabels: {app: celery-worker}
  template:
    metadata:
      labels: {app: celery-worker}
    spec:
      containers:
        - name: worker
          image: registry.internal/celery-worker:4.2.0
          args: ["celery", "-A", "tasks", "worker", "--loglevel=INFO", "--concurrency=4"]
          resources:
            limits: {cpu: "1", memory: 1Gi}`,
  `# Grafana dashboard provisioning
apiVersion: 1
providers:
  - name: Prometheus Dashboards
    orgId: 1
    folder: Infrastructure
    type: file
    disableDeletion: false
    updateIntervalSeconds: 30
    options:
      path: /var/lib/grafana/dashboards
datasources:
  - name: Prometheus
    type: prometheus
    access: proxy
    url: http://prometheus:9090
    isDefault: true`,
  `- alert: HighErrorRate
  expr: sum(rate(http_requests_total{status=~"5.."}[5m])) by (service) / sum(rate(http_requests_total[5m])) by (service) > 0.05
  for: 10m
  labels:
    severity: page
  annotations:
    summary: "High 5xx rate on {{ $labels.service }}"
    runbook: https://runbooks.internal/http-5xx`,
  `diff --git a/src/cache.ts b/src/cache.ts
index 3b18e51..a9c02f4 100644
--- a/src/cache.ts
+++ b/src/cache.ts
@@ -12,7 +12,9 @@ export class LruCache<K, V> {
   get(key: K): V | undefined {
-    return this.map.get(key);
+    const value = this.map.get(key);
+    if (value !== undefined) this.touch(key, value);
+    return value;
   }`,
  `commit 9f2c4e1a7b3d5e6f8a0b1c2d3e4f5a6b7c8d9e0f
Date:   2026-11-28 14:02:11 +0000

    Sandbox host: retry the OCI runtime probe once before marking the host degraded

 sandbox-host/src/runtime/probe.ts       | 24 +++++++++++++++++-------
 sandbox-host/test/runtime/probe.test.ts | 31 +++++++++++++++++++++++++++++++
 2 files changed, 48 insertions(+), 7 deletions(-)`,
  `CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'agent', 'system')),
  action TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_org_created ON audit_events(org_id, created_at DESC);`,
  `module Billing
  class InvoiceJob
    include Sidekiq::Job
    sidekiq_options queue: :billing, retry: 5

    def perform(invoice_id)
      invoice = Invoice.find(invoice_id)
      return if invoice.paid?

      Stripe::Invoice.finalize_invoice(invoice.stripe_id)
      invoice.update!(finalized_at: Time.current)
    rescue ActiveRecord::RecordNotFound
      Rails.logger.warn("invoice #{invoice_id} vanished before finalisation")
    end
  end
end`,
  `<?php

namespace App\\Http\\Controllers;

use App\\Models\\Post;
use Illuminate\\Http\\Request;

class PostController extends Controller
{
    public function index(Request $request)
    {
        $posts = Post::query()
            ->where('published', true)
            ->orderByDesc('published_at')
            ->paginate($request->integer('per_page', 20));

        return view('posts.index', compact('posts'));
    }
}`,
  `using Microsoft.AspNetCore.Mvc;

namespace Inventory.Api.Controllers;

[ApiController]
[Route("api/[controller]")]
public class StockController : ControllerBase
{
    private readonly IStockRepository _repository;
    public StockController(IStockRepository repository) => _repository = repository;

    [HttpGet("{sku}")]
    public async Task<ActionResult<StockLevel>> Get(string sku, CancellationToken ct)
    {
        var level = await _repository.FindAsync(sku, ct);
        return level is null ? NotFound() : Ok(level);
    }
}`,
  `#!/usr/bin/env bash
set -euo pipefail

BACKUP_DIR=\${BACKUP_DIR:-/var/backups/pg}
RETENTION_DAYS=14
stamp=$(date -u +%Y%m%dT%H%M%SZ)

mkdir -p "$BACKUP_DIR"
pg_dump --format=custom --no-owner "$DATABASE_URL" > "$BACKUP_DIR/db-$stamp.dump"
find "$BACKUP_DIR" -name 'db-*.dump' -mtime +"$RETENTION_DAYS" -delete
echo "backup written: $BACKUP_DIR/db-$stamp.dump ($(du -h "$BACKUP_DIR/db-$stamp.dump" | cut -f1))"`,
  `.PHONY: build test lint release

GO ?= go
VERSION := $(shell git describe --tags --always --dirty)
LDFLAGS := -s -w -X main.version=$(VERSION)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ingest ./cmd/ingest

test:
	$(GO) test -race -count=1 ./...

lint:
	golangci-lint run --timeout 5m`,
  `request_id=01JDQ3W4ZK8M2N7P5R6S9T0V1X level=info msg="request completed" method=POST path=/v1/messages status=200 duration_ms=812 upstream=anthropic model=claude-sonnet tokens_in=1532 tokens_out=402
request_id=01JDQ3W5A2B3C4D5E6F7G8H9J0 level=warn msg="upstream slow" path=/v1/chat/completions upstream=openai duration_ms=9120 retry=1
request_id=01JDQ3W5B7C8D9E0F1G2H3J4K5 level=error msg="pii budget exceeded" reason=entity_size fail_mode=closed status=422`,
  `{"level":30,"time":1732953600123,"pid":4120,"hostname":"web-7c9d","reqId":"req-1f","req":{"method":"GET","url":"/api/v1/orgs/org_7Hk2/agents?limit=50","remotePort":51544},"msg":"incoming request"}
{"level":30,"time":1732953600140,"pid":4120,"hostname":"web-7c9d","reqId":"req-1f","res":{"statusCode":200},"responseTime":16.8,"msg":"request completed"}
{"level":50,"time":1732953601002,"pid":4120,"hostname":"web-7c9d","err":{"type":"TimeoutError","message":"The operation was aborted due to timeout","stack":"TimeoutError: The operation was aborted due to timeout\\n    at new DOMException (node:internal/per_context/domexception:53:5)"},"msg":"upstream failed"}`,
  `  ✓ test/node/pii/restore.test.ts (14 tests) 38ms
  ✓ test/node/pii/masker.test.ts (22 tests) 412ms
  ❯ test/node/pii/detectors.test.ts (61 tests | 1 failed) 1204ms
    × phone > national formats > Belgian mobile without prefix
      → expected [] to deep equally contain 'phone'

 Test Files  1 failed | 2 passed (3)
      Tests  1 failed | 96 passed (97)
   Start at  09:41:27
   Duration  3.02s (transform 402ms, setup 0ms, collect 1.10s, tests 1.65s)`,
  `Step 7/12 : RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
 ---> Running in 4b1e7f2a9c3d
Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]
Get:2 http://deb.debian.org/debian bookworm-updates InRelease [55.4 kB]
Fetched 9012 kB in 2s (4201 kB/s)
Reading package lists...
The following NEW packages will be installed:
  binutils cpp-12 g++-12 gcc-12 libpq-dev libpq5 libssl-dev make
0 upgraded, 48 newly installed, 0 to remove and 0 not upgraded.
Removing intermediate container 4b1e7f2a9c3d
 ---> 8e2f0c1d4a5b`,
  `ERROR:  duplicate key value violates unique constraint "users_email_key"
DETAIL:  Key (email)=(<redacted>) already exists.
CONTEXT:  COPY users, line 2041
STATEMENT:  COPY users (id, email, created_at) FROM STDIN
LOG:  checkpoint starting: time
LOG:  checkpoint complete: wrote 1342 buffers (8.2%); 0 WAL file(s) added, 0 removed, 1 recycled; write=134.2 s, sync=0.004 s, total=134.3 s`,
  `# Settings for the Jenkins controller
jenkins:
  systemMessage: "Builds for the platform team. Ask in #ci before changing agents."
  numExecutors: 0
  clouds:
    - kubernetes:
        name: "k8s"
        namespace: "ci"
        jenkinsUrl: "http://jenkins.ci.svc:8080"
        templates:
          - name: "maven"
            label: "maven jdk17"
            containers:
              - name: "maven"
                image: "maven:3.9-eclipse-temurin-17"`,
  `import pandas as pd

df = pd.read_parquet("s3://analytics/events/2026-11/*.parquet")
daily = (
    df.assign(day=df["ts"].dt.floor("D"))
      .groupby(["day", "country_code"], as_index=False)
      .agg(sessions=("session_id", "nunique"), revenue=("amount", "sum"))
)
print(daily.sort_values("revenue", ascending=False).head(10).to_markdown(index=False))`,
  `| day        | country_code | sessions | revenue  |
|:-----------|:-------------|---------:|---------:|
| 2026-11-28 | US           |    41203 | 91822.10 |
| 2026-11-28 | DE           |    12877 | 30411.75 |
| 2026-11-27 | US           |    39980 | 88410.02 |
| 2026-11-28 | JP           |     9802 | 27005.60 |
| 2026-11-27 | GB           |    10114 | 21988.45 |`,
  `version: "3.9"
services:
  db:
    image: postgres:16-alpine
    environment:
      POSTGRES_DB: app
      POSTGRES_USER: app
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    volumes: ["pgdata:/var/lib/postgresql/data"]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app"]
      interval: 5s
  cache:
    image: redis:7
    command: ["redis-server", "--appendonly", "yes"]
  worker:
    build: ./worker
    depends_on: {db: {condition: service_healthy}, cache: {condition: service_started}}
volumes:
  pgdata: {}`,
  `[2026-11-30 10:02:17,544] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)
[2026-11-30 10:02:19,101] INFO [Partition orders-3 broker=1] Log loaded for partition orders-3 with initial high watermark 88120 (kafka.cluster.Partition)
[2026-11-30 10:02:21,877] WARN [ReplicaFetcher replicaId=1, leaderId=2, fetcherId=0] Error in response for fetch request (kafka.server.ReplicaFetcherThread)
org.apache.kafka.common.errors.NotLeaderOrFollowerException: For requests intended only for the leader, this error indicates that the broker is not the current leader.`,
  `Cassandra nodetool status
Datacenter: eu-west
===================
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address      Load       Tokens  Owns (effective)  Host ID                               Rack
UN  cass-node-1  412.3 GiB  256     33.4%             6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f  rack1
UN  cass-node-2  398.7 GiB  256     33.1%             7a2b3c4d-5e6f-4a7b-9c8d-1e2f3a4b5c6d  rack2
DN  cass-node-3  405.0 GiB  256     33.5%             8b3c4d5e-6f7a-4b8c-8d9e-2f3a4b5c6d7e  rack3`,
  `const router = express.Router();

router.get("/users/:userId/sessions", requireAuth, async (req, res, next) => {
  try {
    const sessions = await Session.find({ userId: req.params.userId })
      .sort({ lastSeenAt: -1 })
      .limit(Number(req.query.limit ?? 20))
      .lean();
    res.json({ sessions: sessions.map(({ _id, device, lastSeenAt }) => ({ id: _id, device, lastSeenAt })) });
  } catch (err) {
    next(err);
  }
});`,
  `export function useDebouncedValue<T>(value: T, delayMs = 250): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const handle = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(handle);
  }, [value, delayMs]);
  return debounced;
}

export const SearchBox = ({ onSearch }: { onSearch(q: string): void }) => {
  const [query, setQuery] = useState("");
  const debounced = useDebouncedValue(query);
  useEffect(() => onSearch(debounced), [debounced, onSearch]);
  return <input aria-label="Search" value={query} onChange={(e) => setQuery(e.target.value)} />;
};`,
  `Running migrations:
  Applying contenttypes.0001_initial... OK
  Applying auth.0001_initial... OK
  Applying accounts.0004_profile_timezone... OK
  Applying billing.0012_invoice_currency_default... OK
  Applying billing.0013_backfill_currency... OK (4.812s)
  Applying sessions.0001_initial... OK`,
  `Ansible playbook output
PLAY [webservers] **************************************************************

TASK [Gathering Facts] *********************************************************
ok: [web-01]
ok: [web-02]

TASK [nginx : install nginx] ***************************************************
changed: [web-01]
ok: [web-02]

TASK [nginx : template site config] ********************************************
changed: [web-01]
changed: [web-02]

PLAY RECAP *********************************************************************
web-01                     : ok=5    changed=2    unreachable=0    failed=0    skipped=1
web-02                     : ok=5    changed=1    unreachable=0    failed=0    skipped=1`,
  `Terraform will perform the following actions:

  # aws_lambda_function.thumbnailer will be updated in-place
  ~ resource "aws_lambda_function" "thumbnailer" {
        id            = "thumbnailer"
      ~ memory_size   = 512 -> 1024
      ~ timeout       = 30 -> 60
        # (18 unchanged attributes hidden)
    }

Plan: 0 to add, 1 to change, 0 to destroy.`,
  `   PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
  4120 node      20   0 1286432 212004  41232 S  38.2   5.3  12:41.02 node
   812 root      20   0 2012340  98112  52004 S   4.1   2.4   3:02.77 dockerd
  1187 postgres  20   0  412004  61220  58112 S   1.3   1.5   0:44.10 postgres
     1 root      20   0  168212  12904   8224 S   0.0   0.3   0:03.55 systemd`,
  `Filesystem      Size  Used Avail Use% Mounted on
overlay          98G   71G   23G  76% /
tmpfs            64M     0   64M   0% /dev
/dev/nvme0n1p1   98G   71G   23G  76% /etc/hosts
shm              64M     0   64M   0% /dev/shm`,
  `warning: in the working copy of 'docs/pii.md', LF will be replaced by CRLF the next time Git touches it
On branch feature/retry-budget
Your branch is ahead of 'origin/feature/retry-budget' by 2 commits.
  (use "git push" to publish your local commits)

Changes not staged for commit:
  modified:   workers/gateway/retry.ts
  modified:   test/workers/gateway/retry.test.ts

Untracked files:
  scripts/bench/retry.ts`,
  `#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ring_buffer {
    size_t head, tail, capacity;
    unsigned char *data;
} ring_buffer_t;

int rb_push(ring_buffer_t *rb, unsigned char byte) {
    size_t next = (rb->head + 1) % rb->capacity;
    if (next == rb->tail) return -1; /* full */
    rb->data[rb->head] = byte;
    rb->head = next;
    return 0;
}`,
  `Scenario: Refund a partially shipped order
  Given an order with 3 line items
  And 2 of them have shipped
  When the customer requests a refund for the unshipped item
  Then the refund amount equals the unshipped item's price
  And the order status becomes "partially_refunded"`,
  `# .env.example — copy to .env and fill in
APP_ENV=development
LOG_LEVEL=debug
DATABASE_URL=postgres://app:app@localhost:5432/app
REDIS_URL=redis://localhost:6379/0
SENTRY_DSN=
FEATURE_FLAGS=new-checkout,async-exports
OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318`,
  `mysql> EXPLAIN SELECT * FROM orders WHERE customer_id = 42 AND status = 'paid';
+----+-------------+--------+------+-----------------------+---------------+---------+-------+------+-------------+
| id | select_type | table  | type | possible_keys         | key           | key_len | ref   | rows | Extra       |
+----+-------------+--------+------+-----------------------+---------------+---------+-------+------+-------------+
|  1 | SIMPLE      | orders | ref  | idx_customer,idx_stat | idx_customer  | 4       | const |   37 | Using where |
+----+-------------+--------+------+-----------------------+---------------+---------+-------+------+-------------+
1 row in set (0.00 sec)`,
  `2026-11-30 11:20:01.223 UTC [1187] LOG:  duration: 1834.221 ms  execute <unnamed>: SELECT "invoices".* FROM "invoices" WHERE "invoices"."org_id" = $1 ORDER BY "invoices"."created_at" DESC LIMIT $2
2026-11-30 11:20:01.223 UTC [1187] DETAIL:  parameters: $1 = '7', $2 = '50'
2026-11-30 11:20:04.910 UTC [1190] ERROR:  canceling statement due to statement timeout`,
  `Stack trace:
  at Object.parse (<anonymous>)
  at Response.json (node:internal/deps/undici/undici:4311:19)
  at async fetchWithRetry (file:///app/dist/http/client.js:88:20)
  at async Promise.all (index 3)
  at async syncCatalog (file:///app/dist/jobs/catalog.js:41:5)
SyntaxError: Unexpected token '<', "<!DOCTYPE html>"... is not valid JSON`,
  `kotlin
@Serializable
data class FeatureFlag(
    val key: String,
    val enabled: Boolean = false,
    val rolloutPercent: Int = 0,
)

class FlagRepository(private val client: HttpClient) {
    suspend fun all(): List<FeatureFlag> =
        client.get("/flags").body()

    suspend fun isOn(key: String, bucket: Int): Boolean =
        all().firstOrNull { it.key == key }?.let { it.enabled && bucket < it.rolloutPercent } ?: false
}`,
  `func (s *Store) Upsert(ctx context.Context, m Metric) error {
	const q = \`INSERT INTO metrics (name, ts, value) VALUES ($1, $2, $3)
ON CONFLICT (name, ts) DO UPDATE SET value = EXCLUDED.value\`
	_, err := s.db.ExecContext(ctx, q, m.Name, m.Timestamp, m.Value)
	if err != nil {
		return fmt.Errorf("upsert metric %q: %w", m.Name, err)
	}
	return nil
}`,
  `swift
struct ContentView: View {
    @StateObject private var model = FeedModel()

    var body: some View {
        NavigationStack {
            List(model.items) { item in
                NavigationLink(item.title, value: item.id)
            }
            .navigationTitle("Feed")
            .refreshable { await model.reload() }
        }
    }
}`,
  `Lighthouse report — /checkout
Performance          72
Accessibility        94
Best Practices       100
SEO                  91

First Contentful Paint      1.8 s
Largest Contentful Paint    3.9 s
Total Blocking Time         410 ms
Cumulative Layout Shift     0.04
Speed Index                 3.1 s`,
  `Run ID: 8842
Workflow: Deploy Preview
Branch: fix/iframe-sandbox
Status: failure
Duration: 4m 12s
Failed step: Upload artifacts
Error: Unable to reserve cache with key node-modules-linux-x64-3f2a, another job may be creating this cache.
Error: Process completed with exit code 1.`,
  `# Release checklist
1. Bump the version in \`package.json\` and \`CHANGELOG.md\`.
2. Run \`npm run build && npm test\`.
3. Tag: \`git tag -s v2.4.0 -m "v2.4.0"\` and push the tag.
4. The Release workflow publishes to npm and attaches the tarball.
5. Announce in #releases with the changelog section.`,
  `## [2.4.0] - 2026-11-20
### Added
- \`retryBudget\` option on the HTTP client: caps retries per minute across all requests.
- Support for Brotli responses in \`fetchJson\`.
### Fixed
- Timeouts no longer leak an unhandled rejection when the body stream errors (#412).
- \`parseDuration("1h30m")\` returned 90 seconds instead of 90 minutes.
### Changed
- Minimum Node version is now 18.18.`,
  `Address Sanitizer report
==31337==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000050 at pc 0x55d5c1e2a4b1 bp 0x7ffd2c1e3f70 sp 0x7ffd2c1e3f68
READ of size 4 at 0x602000000050 thread T0
    #0 0x55d5c1e2a4b0 in rb_pop src/ring.c:41
    #1 0x55d5c1e2a7f2 in main src/main.c:18
freed by thread T0 here:
    #0 0x7f3a1b8b4537 in __interceptor_free`,
  `webpack 5.94.0 compiled with 2 warnings in 8412 ms
asset main.4f2a9c1e.js 412 KiB [emitted] [immutable] [minimized] [big] (name: main)
asset vendors.b7e3d210.js 1.12 MiB [emitted] [immutable] [minimized] [big] (name: vendors)
WARNING in asset size limit: The following asset(s) exceed the recommended size limit (244 KiB).
WARNING in entrypoint size limit: The following entrypoint(s) combined asset size exceeds the recommended limit (244 KiB).`,
  `Redis INFO
# Server
redis_version:7.2.4
redis_mode:standalone
os:Linux 6.1.0-18-amd64 x86_64
uptime_in_days:12
# Memory
used_memory_human:1.21G
maxmemory_policy:allkeys-lru
# Stats
keyspace_hits:912004122
keyspace_misses:40211877
evicted_keys:120044`,
  `helm upgrade --install ingress-nginx ingress-nginx/ingress-nginx \\
  --namespace ingress-nginx --create-namespace \\
  --set controller.replicaCount=2 \\
  --set controller.metrics.enabled=true \\
  --set-string controller.podAnnotations."prometheus\\.io/scrape"=true
Release "ingress-nginx" has been upgraded. Happy Helming!
NAME: ingress-nginx
LAST DEPLOYED: Sun Nov 30 10:41:07 2026
NAMESPACE: ingress-nginx
STATUS: deployed
REVISION: 14`,
  `elixir
defmodule Shop.Cart do
  use GenServer

  def start_link(opts), do: GenServer.start_link(__MODULE__, %{}, opts)

  def add(pid, sku, qty \\\\ 1), do: GenServer.call(pid, {:add, sku, qty})

  @impl true
  def handle_call({:add, sku, qty}, _from, items) do
    items = Map.update(items, sku, qty, &(&1 + qty))
    {:reply, {:ok, items}, items}
  end
end`,
  `(defn parse-line [line]
  (let [[ts level & msg] (clojure.string/split line #"\\s+")]
    {:ts (java.time.Instant/parse ts)
     :level (keyword (clojure.string/lower-case level))
     :msg (clojure.string/join " " msg)}))

(->> (line-seq (clojure.java.io/reader "app.log"))
     (map parse-line)
     (filter #(= :error (:level %)))
     (take 20))`,
  `sealed interface Shape permits Circle, Square {}
record Circle(double radius) implements Shape {}
record Square(double side) implements Shape {}

static double area(Shape s) {
    return switch (s) {
        case Circle c -> Math.PI * c.radius() * c.radius();
        case Square q -> q.side() * q.side();
    };
}`,
  `Gradle build output
> Task :app:compileKotlin
w: file:///src/app/src/main/kotlin/Flags.kt:14:9 Variable 'bucket' is never used
> Task :app:test FAILED

FlagRepositoryTest > isOn returns false for disabled flag FAILED
    java.lang.AssertionError at FlagRepositoryTest.kt:33

3 tests completed, 1 failed

FAILURE: Build failed with an exception.
BUILD FAILED in 41s`,
  `CSV export
sku,warehouse,on_hand,reserved,reorder_point,updated_at
TSH-BLK-M,AMS1,412,37,100,2026-11-29T22:00:00Z
TSH-BLK-L,AMS1,88,12,100,2026-11-29T22:00:00Z
MUG-WHT-STD,BER2,1204,211,300,2026-11-29T22:00:00Z
CAP-NVY-OS,AMS1,0,0,50,2026-11-29T22:00:00Z
HOOD-GRY-XL,BER2,51,9,40,2026-11-29T22:00:00Z`,
  `Statistics for p95 latency by route (last 24h)
route                         p50_ms   p95_ms   p99_ms   rps
POST /v1/messages             612      2410     5120     41.2
POST /v1/chat/completions     540      2205     4870     38.9
GET  /api/v1/orgs/:id/audit   18       64       131      3.1
POST /mcp                     95       410      1022     7.4`,
  `lua
local M = {}

function M.setup(opts)
  opts = vim.tbl_deep_extend("force", { width = 80, border = "rounded" }, opts or {})
  vim.api.nvim_create_user_command("Scratch", function()
    local buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_open_win(buf, true, { relative = "editor", width = opts.width, height = 20, row = 2, col = 4, border = opts.border })
  end, {})
end

return M`,
  `<dependency>
  <groupId>org.springframework.boot</groupId>
  <artifactId>spring-boot-starter-data-jpa</artifactId>
</dependency>
<dependency>
  <groupId>org.flywaydb</groupId>
  <artifactId>flyway-core</artifactId>
  <version>10.15.0</version>
</dependency>
<dependency>
  <groupId>com.fasterxml.jackson.datatype</groupId>
  <artifactId>jackson-datatype-jsr310</artifactId>
</dependency>`,
  `ValueError: could not convert string to float: 'N/A'

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/opt/etl/pipeline.py", line 212, in run
    rows = [transform(r) for r in reader]
  File "/opt/etl/pipeline.py", line 188, in transform
    raise RowError(f"row {row['id']}: bad amount") from exc
etl.errors.RowError: row 40211: bad amount`,
  `CPU profile (top 10 by self time)
  self%   total%  function                         file
  21.4    21.4    Tagger.scoreToken                tagger.ts:118
  12.9    14.2    tokenize                         tokens.ts:61
   9.7     9.7    fnv1a                            tokens.ts:22
   7.1    30.3    detectEntities                   entities.ts:201
   5.5     5.5    RegExp.exec                      (native)
   4.0     8.8    normalize                        normalize.ts:140`,
  `ALTER TABLE members ADD COLUMN last_login_at INTEGER;
UPDATE members SET last_login_at = (SELECT MAX(created_at) FROM sessions WHERE sessions.member_id = members.id);
CREATE INDEX IF NOT EXISTS members_org_last_login ON members(org_id, last_login_at);
-- Rollback:
-- DROP INDEX members_org_last_login;
-- ALTER TABLE members DROP COLUMN last_login_at;`,
  `Kibana saved search: "payments 5xx"
query: service.name:"payments-api" and http.response.status_code >= 500 and not url.path:"/healthz"
columns: @timestamp, trace.id, http.request.method, url.path, http.response.status_code, event.duration
sort: @timestamp desc
index: logs-payments-*`,
  `trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 parent=- name="POST /v1/messages" kind=server duration=812ms status=OK
trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=a3ce929d0e0e4736 parent=00f067aa0ba902b7 name="pii.mask" duration=3.6ms attributes={entities:true,chars:16384}
trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=b7ad6b7169203331 parent=00f067aa0ba902b7 name="upstream.fetch" duration=790ms http.status_code=200`,
  `Apache Airflow DAG
with DAG(
    dag_id="nightly_exports",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["exports", "finance"],
) as dag:
    extract = PythonOperator(task_id="extract", python_callable=extract_orders)
    load = PythonOperator(task_id="load", python_callable=load_to_warehouse)
    extract >> load`,
  `vagrant up
Bringing machine 'default' up with 'virtualbox' provider...
==> default: Importing base box 'debian/bookworm64'...
==> default: Matching MAC address for NAT networking...
==> default: Setting the name of the VM: devbox_default_1732953600
==> default: Forwarding ports...
    default: 22 (guest) => 2222 (host) (adapter 1)
==> default: Booting VM...
==> default: Machine booted and ready!`,
  `OpenAPI excerpt
paths:
  /v1/orgs/{orgId}/agents:
    get:
      operationId: listAgents
      parameters:
        - in: path
          name: orgId
          required: true
          schema: {type: string, pattern: "^org_[A-Za-z0-9]{16}$"}
        - in: query
          name: cursor
          schema: {type: string}
      responses:
        "200": {description: A page of agents}
        "404": {description: Not a member of this organisation}`,
  `Dart
class Debouncer {
  Debouncer({this.delay = const Duration(milliseconds: 300)});
  final Duration delay;
  Timer? _timer;

  void run(VoidCallback action) {
    _timer?.cancel();
    _timer = Timer(delay, action);
  }

  void dispose() => _timer?.cancel();
}`,
  `Mocha output
  Cart
    ✓ adds an item (4ms)
    ✓ merges quantities of the same SKU
    1) rejects negative quantities
  Checkout
    ✓ computes tax for EU addresses (12ms)

  3 passing (48ms)
  1 failing

  1) Cart
       rejects negative quantities:
     AssertionError: expected [Function] to throw RangeError`,
  `R
library(dplyr)
library(ggplot2)

latency <- read.csv("latency.csv") |>
  filter(route != "/healthz") |>
  group_by(route) |>
  summarise(p95 = quantile(ms, 0.95), n = n())

ggplot(latency, aes(x = reorder(route, p95), y = p95)) +
  geom_col() + coord_flip() + labs(x = NULL, y = "p95 (ms)")`,
  `Haskell
data Expr = Lit Int | Add Expr Expr | Mul Expr Expr
  deriving (Show, Eq)

eval :: Expr -> Int
eval (Lit n)   = n
eval (Add a b) = eval a + eval b
eval (Mul a b) = eval a * eval b

simplify :: Expr -> Expr
simplify (Mul (Lit 1) e) = simplify e
simplify (Add (Lit 0) e) = simplify e
simplify e               = e`,
  `Scala
final case class Event(id: String, kind: String, at: Instant)

object Sessionizer {
  def sessions(events: Seq[Event], gap: Duration): Seq[Seq[Event]] =
    events.sortBy(_.at).foldLeft(Vector.empty[Vector[Event]]) {
      case (acc :+ last, e) if Duration.between(last.last.at, e.at).compareTo(gap) <= 0 => acc :+ (last :+ e)
      case (acc, e) => acc :+ Vector(e)
    }
}`,
  `PowerShell
Get-ChildItem -Path C:\\Logs -Filter *.log -Recurse |
  Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-30) } |
  Remove-Item -WhatIf

Get-Service -Name "W3SVC","WAS" | Select-Object Name, Status, StartType | Format-Table -AutoSize`,
  `Windows event log
Log Name:      Application
Source:        .NET Runtime
Event ID:      1026
Level:         Error
Description:
Application: Inventory.Api.exe
Framework Version: v8.0
Description: The process was terminated due to an unhandled exception.
Exception Info: System.InvalidOperationException: Sequence contains no elements
   at System.Linq.ThrowHelper.ThrowNoElementsException()
   at Inventory.Api.Services.StockService.Reserve(String sku, Int32 qty)`,
  `iOS crash report
Exception Type:  EXC_BAD_ACCESS (SIGSEGV)
Exception Codes: KERN_INVALID_ADDRESS at 0x0000000000000010
Triggered by Thread:  0

Thread 0 Crashed:
0   libobjc.A.dylib     0x00000001a0b4c1f0 objc_msgSend + 16
1   FeedKit             0x0000000104a2d3c8 FeedModel.reload() + 212 (FeedModel.swift:48)
2   SwiftUI             0x00000001b2e1a004 closure #1 in RefreshAction.callAsFunction() + 88`,
  `Perf summary (wrk -t4 -c64 -d30s http://127.0.0.1:8787/healthz)
Running 30s test @ http://127.0.0.1:8787/healthz
  4 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.41ms    1.12ms  31.02ms   88.41%
    Req/Sec     6.71k   512.33     8.02k    71.25%
  801244 requests in 30.01s, 98.21MB read
Requests/sec:  26699.12
Transfer/sec:      3.27MB`,
  `GraphQL
type Query {
  order(id: ID!): Order
  orders(first: Int = 20, after: String, status: OrderStatus): OrderConnection!
}

type Order {
  id: ID!
  status: OrderStatus!
  lineItems: [LineItem!]!
  total: Money!
  createdAt: DateTime!
}

enum OrderStatus { PENDING PAID SHIPPED REFUNDED }`,
  `protobuf
syntax = "proto3";
package palisade.tunnel.v1;

message Frame {
  uint64 seq = 1;
  oneof body {
    Open open = 2;
    Data data = 3;
    Close close = 4;
  }
}

message Open { string session_id = 1; string command = 2; repeated string args = 3; }
message Data { bytes chunk = 1; bool stderr = 2; }
message Close { int32 exit_code = 1; }`,
  `Zig
const std = @import("std");

pub fn main() !void {
    var gpa = std.heap.GeneralPurposeAllocator(.{}){};
    defer _ = gpa.deinit();
    const allocator = gpa.allocator();

    const list = try std.fs.cwd().readFileAlloc(allocator, "input.txt", 1 << 20);
    defer allocator.free(list);
    var it = std.mem.tokenizeScalar(u8, list, '\\n');
    var sum: u64 = 0;
    while (it.next()) |line| sum += try std.fmt.parseInt(u64, line, 10);
    std.debug.print("{d}\\n", .{sum});
}`,
  `Cron and systemd timer
# m h dom mon dow command
*/5 * * * * /usr/local/bin/rotate-logs --max-size 100M >> /var/log/rotate.log 2>&1
0 3 * * 0 /usr/local/bin/vacuum-db --analyze

[Unit]
Description=Nightly export
[Timer]
OnCalendar=*-*-* 02:00:00
Persistent=true
[Install]
WantedBy=timers.target`,
  `ESLint
/src/components/OrderTable.tsx
  14:7   warning  'sortKey' is assigned a value but never used       @typescript-eslint/no-unused-vars
  41:22  error    React Hook useEffect has a missing dependency: 'load'  react-hooks/exhaustive-deps
  77:5   error    Unexpected console statement                        no-console

✖ 3 problems (2 errors, 1 warning)`,
  `Sentry issue
TypeError: Cannot read properties of undefined (reading 'map')
  at OrderTable (webpack-internal:///./src/components/OrderTable.tsx:52:31)
  at renderWithHooks (react-dom.development.js:16305:18)
Tags: browser=Chrome 131, os=Windows 10, release=dashboard@1.18.2, environment=production
Events: 1,204   Users affected: 311   First seen: 2 days ago`,
  `Vite dev server
  VITE v5.4.2  ready in 412 ms

  ➜  Local:   http://localhost:5173/
  ➜  press h + enter to show help
[vite] hmr update /src/routes/Agents.tsx
[vite] Internal server error: Transform failed with 1 error:
/src/routes/Agents.tsx:88:14: ERROR: Expected ")" but found "{"`,
  `Docker ps
CONTAINER ID   IMAGE                    COMMAND                  CREATED        STATUS                  PORTS                    NAMES
3f2a9c1e7b4d   postgres:16-alpine       "docker-entrypoint.s…"   2 hours ago    Up 2 hours (healthy)    127.0.0.1:5432->5432/tcp   app-db-1
8e2f0c1d4a5b   redis:7                  "docker-entrypoint.s…"   2 hours ago    Up 2 hours              6379/tcp                 app-cache-1
b7e3d2104f6a   app-worker               "node dist/worker.js"    5 minutes ago  Restarting (1) 12s ago                           app-worker-1`,
  `Jest snapshot
exports[\`AgentCard renders a suspended agent 1\`] = \`
<div
  className="card card--muted"
>
  <h3>
    research-bot
  </h3>
  <span
    className="badge badge--warning"
  >
    Suspended
  </span>
</div>
\`;`,
  `Bazel
load("@rules_go//go:def.bzl", "go_binary", "go_library", "go_test")

go_library(
    name = "ingest_lib",
    srcs = ["server.go", "store.go"],
    importpath = "example.com/ingest/cmd/ingest",
    deps = ["//pkg/retry", "@org_golang_x_sync//errgroup"],
)

go_test(
    name = "ingest_test",
    srcs = ["server_test.go"],
    embed = [":ingest_lib"],
)`,
  `Prometheus metrics
# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{route="/v1/messages",le="0.5"} 1204
http_request_duration_seconds_bucket{route="/v1/messages",le="1"} 3311
http_request_duration_seconds_bucket{route="/v1/messages",le="+Inf"} 4102
http_request_duration_seconds_sum{route="/v1/messages"} 3391.82
http_request_duration_seconds_count{route="/v1/messages"} 4102`,
  `Assembly (x86-64)
_start:
    mov     rax, 1          ; write
    mov     rdi, 1          ; stdout
    lea     rsi, [rel msg]
    mov     rdx, msg_len
    syscall
    mov     rax, 60         ; exit
    xor     rdi, rdi
    syscall
section .rodata
msg:     db "ready", 10
msg_len: equ $ - msg`,
  `Makefile for LaTeX docs
\\documentclass{article}
\\usepackage{booktabs}
\\begin{document}
\\section{Throughput}
\\begin{tabular}{lrr}
\\toprule
Detector & MB/s & p50 (ms) \\\\
\\midrule
patterns & 25.6 & 0.6 \\\\
entities & 7.4 & 3.6 \\\\
\\bottomrule
\\end{tabular}
\\end{document}`,
  `Feature matrix
| Feature              | Free | Team | Enterprise |
|----------------------|:----:|:----:|:----------:|
| Sandboxed agents     |  ✓   |  ✓   |     ✓      |
| PII masking          |  ✓   |  ✓   |     ✓      |
| SSO (SAML, OIDC)     |      |  ✓   |     ✓      |
| Audit export to S3   |      |      |     ✓      |
| Custom egress rules  |      |  ✓   |     ✓      |`,
  `OCaml
let rec fold_tree f acc = function
  | Leaf -> acc
  | Node (l, v, r) ->
      let acc = fold_tree f acc l in
      let acc = f acc v in
      fold_tree f acc r

let sum t = fold_tree ( + ) 0 t
let size t = fold_tree (fun n _ -> n + 1) 0 t`,
  `kubectl logs deploy/api-gateway --since=10m | tail
I1130 10:41:07.118201       1 leaderelection.go:250] attempting to acquire leader lease kube-system/api-gateway-lock...
I1130 10:41:07.131877       1 leaderelection.go:260] successfully acquired lease kube-system/api-gateway-lock
W1130 10:41:09.402119       1 reflector.go:535] failed to list *v1.ConfigMap: configmaps is forbidden: User "system:serviceaccount:prod:api-gateway" cannot list resource "configmaps"
E1130 10:41:12.990014       1 controller.go:114] error syncing 'prod/routes': rate: Wait(n=1) would exceed context deadline`,
];
