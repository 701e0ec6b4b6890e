// Option values shared by the `palisade` commands: sizes ("512m", "2g") and id ranges ("1000000:65536").
import { z } from "zod";
import { idRangeProblem } from "../sandbox/ids.js";

export const sizeSchema = z
  .string()
  .regex(/^\d+(\.\d+)?[kmg]?$/i, "size like 512m or 2g")
  .transform((s) => {
    const unit = s.slice(-1).toLowerCase();
    const mult = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
    return Math.floor(Number.parseFloat(s) * mult);
  });

/** FIRST:COUNT of host ids for sandboxes; refused when it overlaps the host's users, groups or subordinate ids. */
export const idRangeSchema = z
  .string()
  .regex(/^\d+:\d+$/, "FIRST:COUNT, e.g. 1000000:65536")
  .transform((s) => {
    const [first, count] = s.split(":").map(Number);
    return { first: first ?? 0, count: count ?? 0 };
  })
  .superRefine((range, ctx) => {
    const problem = idRangeProblem(range);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** `--max-workspaces`: how many agent workspaces may be mounted at once. */
export const maxWorkspacesSchema = z
  .string()
  .regex(/^\d{1,5}$/, "a whole number")
  .transform(Number)
  .pipe(z.number().int().min(1).max(65_536));
