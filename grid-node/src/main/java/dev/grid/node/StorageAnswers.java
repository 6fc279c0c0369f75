package dev.grid.node;

import dev.grid.api.BlobInfo;
import dev.grid.api.BlobListing;
import dev.grid.api.StorageHealth;
import dev.grid.api.StorageRepair;
import dev.grid.storage.BlobMeta;
import dev.grid.storage.Plan;
import dev.grid.storage.RepairPass;
import dev.grid.storage.StorageReport;
import java.util.List;

/**
 * The blob store's answers as clients get them: job-api records, so that clients need nothing of
 * the storage module.
 */
final class StorageAnswers {
  private StorageAnswers() {}

  /** The first {@code limit} blobs of a listing sorted by key, and whether there were more. */
  static BlobListing listing(String prefix, int limit, List<BlobMeta> sorted) {
    List<BlobInfo> shown = sorted.stream().limit(limit).map(StorageAnswers::info).toList();
    return new BlobListing(prefix, limit, sorted.size() > limit, shown);
  }

  static BlobInfo info(BlobMeta meta) {
    return new BlobInfo(meta.key(), meta.size(), meta.sha256(), meta.replicas(), meta.version());
  }

  static StorageHealth health(StorageReport report) {
    List<StorageHealth.Problem> problems =
        report.problems().stream()
            .map(p -> new StorageHealth.Problem(p.key(), p.node(), p.kind().name(), p.detail()))
            .toList();
    return new StorageHealth(
        report.nodes(),
        report.replication(),
        report.blobs(),
        report.bytes(),
        report.verified(),
        report.healthy(),
        problems,
        report.lastScrubMillis());
  }

  static StorageRepair repair(RepairPass pass) {
    Plan plan = pass.plan();
    return new StorageRepair(
        plan.copies().size(),
        plan.records().size(),
        plan.drops().size(),
        plan.lost().size(),
        pass.recopied());
  }
}
