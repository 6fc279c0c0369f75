package dev.grid.storage;

import java.util.Objects;

/**
 * What one repair pass did: the plan it carried out from the metadata and the inventories, and how
 * many damaged copies (found by a scrub, a verify or a read) it copied again onto the node that
 * held them.
 *
 * @param plan the copies, records, drops and lost blobs planned
 * @param recopied damaged copies replaced from a good replica
 */
public record RepairPass(Plan plan, int recopied) {
  /** Checks the plan is given. */
  public RepairPass {
    Objects.requireNonNull(plan, "plan");
  }
}
