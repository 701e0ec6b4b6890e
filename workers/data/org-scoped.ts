// The base of every org-scoped store: built with one org id, it cannot be built without a valid
// one, and `scope()` starts every predicate with org_id = that org, so a handler cannot read or
// write another org's rows by passing a foreign id.
import { and, eq, type SQL } from "drizzle-orm";
import { AppError } from "../errors.js";
import { ID_PATTERN } from "../ids.js";
import type { Db } from "./db.js";

export abstract class OrgScoped {
  constructor(
    protected readonly db: Db,
    readonly orgId: string,
  ) {
    if (!ID_PATTERN.test(orgId)) throw new AppError("internal", "org-scoped access without a valid org id");
  }

  protected scope<T extends { orgId: Parameters<typeof eq>[0] }>(table: T, ...conds: Array<SQL | undefined>): SQL {
    return and(eq(table.orgId, this.orgId), ...conds) as SQL;
  }
}
