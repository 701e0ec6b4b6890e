// Inline media under a `block` policy (docs/pii.md, "Inline media"): CPU per call of
// maskJsonStrings for a request carrying one large image, and how many clean images of
// random-looking bytes (what compressed pixels are) a blocking policy refuses by chance; and CPU
// per scan of a binary upload through the egress gateway's check (scanOutbound on the same kind of
// bytes, read by its text runs). The bytes come from a fixed xorshift stream, so every run reads
// the same. Writes bench/pii-media-results.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { type JsonValue, Masker, maskJsonStrings, scanOutbound } from "../workers/pii/index.js";

const IMAGE_BYTES = 4 * 1024 * 1024;
const CHANCE_IMAGES = Number(process.env.MEDIA_BENCH_IMAGES ?? 20);
const BLOCK_ALL = { credit_card: "block", email: "block", phone: "block", iban: "block", tax_id: "block", person: "block" } as const;
// No wall-clock budget: a loaded machine would refuse the image for time (CPU time is what is measured).
const OPTIONS = { timeBudgetMs: 600_000 };

let state = 0x2545f491;
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 255;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(Buffer.from(type, "latin1"), 4);
  out.set(data, 8);
  return out;
}

/** A PNG as an editor writes one: a compressed colour profile, a software tag, one IDAT of compressed-looking pixels. */
function image(pixels: number): string {
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", new Uint8Array([0, 0, 4, 0, 0, 0, 3, 0, 8, 2, 0, 0, 0])),
    chunk(
      "iCCP",
      Buffer.concat([
        Buffer.from("ICC Profile\0\0", "latin1"),
        deflateSync(Buffer.concat([randomBytes(2048), Buffer.from("desc\0sRGB IEC61966-2.1\0cprt\0Copyright Apple Inc., 2017")])),
      ]),
    ),
    chunk("tEXt", Buffer.from("Software\0Adobe Photoshop 2023 (Windows)", "latin1")),
    chunk("IDAT", randomBytes(pixels)),
    chunk("IEND", new Uint8Array()),
  ];
  return Buffer.concat(parts).toString("base64");
}

const request = (data: string): JsonValue => ({
  model: "m",
  messages: [
    {
      role: "user",
      content: [
        { type: "image", source: { type: "base64", media_type: "image/png", data } },
        { type: "text", text: "What is in this picture?" },
      ],
    },
  ],
});

function cpuMs(run: () => void): number {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const one = request(image(IMAGE_BYTES));
for (let i = 0; i < 2; i++) maskJsonStrings(one, new Masker(BLOCK_ALL, undefined, OPTIONS)); // warm-up
const blockMs = Array.from({ length: 5 }, () => cpuMs(() => maskJsonStrings(one, new Masker(BLOCK_ALL, undefined, OPTIONS)))).sort((a, b) => a - b);
const maskMs = Array.from({ length: 5 }, () =>
  cpuMs(() => maskJsonStrings(one, new Masker({ credit_card: "mask", person: "mask" }, undefined, OPTIONS))),
).sort((a, b) => a - b);

const upload = randomBytes(IMAGE_BYTES);
const scanUpload = () =>
  scanOutbound(
    { egress: { ...BLOCK_ALL, ip_address: "block", secret: "block" } },
    { exit: "egress", contentType: "application/octet-stream", body: upload },
    { detect: OPTIONS },
  );
for (let i = 0; i < 2; i++) scanUpload(); // warm-up
const uploadMs = Array.from({ length: 5 }, () => cpuMs(scanUpload)).sort((a, b) => a - b);

const refused: Record<string, number> = {};
let refusedImages = 0;
for (let i = 0; i < CHANCE_IMAGES; i++) {
  const m = new Masker(BLOCK_ALL, undefined, OPTIONS);
  maskJsonStrings(request(image(IMAGE_BYTES)), m);
  const blocked = m.result().blockedCategories;
  if (blocked.length > 0) refusedImages++;
  for (const c of blocked) refused[c] = (refused[c] ?? 0) + 1;
}

const round = (x: number) => Math.round(x * 10) / 10;
const results = {
  imageMB: IMAGE_BYTES / 1024 / 1024,
  blockPolicyCpuMsMedian: round(blockMs[2] ?? 0),
  maskPolicyCpuMsMedian: round(maskMs[2] ?? 0),
  binaryUploadCpuMsMedian: round(uploadMs[2] ?? 0),
  chanceImages: CHANCE_IMAGES,
  chanceImagesRefused: refusedImages,
  chanceRefusalsByCategory: refused,
};
console.log(
  `one ${results.imageMB} MB image: block policy ${results.blockPolicyCpuMsMedian} ms CPU (median of 5), mask policy ${results.maskPolicyCpuMsMedian} ms`,
);
console.log(
  `one ${results.imageMB} MB binary upload through the egress check (block policy): ${results.binaryUploadCpuMsMedian} ms CPU (median of 5)`,
);
console.log(`clean random-pixel images refused under block: ${refusedImages}/${CHANCE_IMAGES} ${JSON.stringify(refused)}`);
mkdirSync(new URL("../bench/", import.meta.url), { recursive: true });
writeFileSync(new URL("../bench/pii-media-results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
