package dev.grid.storage;

import java.util.List;
import java.util.Objects;

/**
 * What {@link RepairPlanner} decided: actions on the nodes' disks and on the metadata map, in key
 * order. The plan does nothing itself; the store carries it out.
 *
 * <p>The actions of a plan may be carried out in any order and in parallel: a key that gets a
 * {@link Copy} gets no drop of a good copy in the same plan (surplus is dropped only when enough
 * good copies already exist), and a {@link Drop} names the SHA-256 of the copy it drops, so a drop
 * of a stale copy that a copy has meanwhile replaced must do nothing. A plan made from the state
 * its own actions produce has no {@code Copy}, {@code Drop} or {@code Record}; {@link Lost} reports
 * stay until a node holding a good copy returns.
 *
 * <p>Order still matters to readers: a {@link Record} names the replicas as they will be. Doing the
 * copies first, then the records, then the drops keeps the metadata from naming a node that lacks
 * the copy, except where a copy failed; an action that fails is simply left out, and the next plan,
 * made from the state then, asks for it again.
 *
 * @param actions what to do, in key order
 */
public record Plan(List<Action> actions) {

  /** Checks and copies the list. */
  public Plan {
    actions = List.copyOf(Objects.requireNonNull(actions, "actions"));
  }

  /** One decision of a plan. */
  public sealed interface Action permits Copy, Drop, Record, Lost {
    /** The blob the action is about. */
    String key();
  }

  /**
   * Copy the blob from a node holding a good copy to a node that should hold one; the receiving
   * node stores it only if its content has the SHA-256 (for example {@link
   * LocalDiskStore#write(String, java.io.InputStream, String)}), replacing what it held.
   */
  public record Copy(String key, String sha256, String from, String to) implements Action {
    /** Checks the values, naming a bad one. */
    public Copy {
      checkSha256(key, sha256);
      Placement.checkNode(from);
      Placement.checkNode(to);
      if (from.equals(to)) {
        throw new IllegalArgumentException(
            "copy of blob '" + key + "' from node '" + from + "' to itself makes no sense");
      }
    }
  }

  /**
   * Delete the node's copy of the blob, but only if that copy still has the SHA-256 named: a stale
   * copy (another SHA-256 than the metadata's) or a surplus one (more than r good copies).
   */
  public record Drop(String key, String node, String sha256) implements Action {
    /** Checks the values, naming a bad one. */
    public Drop {
      checkSha256(key, sha256);
      Placement.checkNode(node);
    }
  }

  /**
   * Write the metadata entry: version 1 where there was none (rebuilt from the inventories),
   * otherwise replacing the entry of the version before ({@code meta.version() - 1}), with the
   * replica list that is true once the plan's copies and drops are done.
   */
  public record Record(BlobMeta meta) implements Action {
    /** Checks it is given. */
    public Record {
      Objects.requireNonNull(meta, "meta");
    }

    @Override
    public String key() {
      return meta.key();
    }
  }

  /**
   * No live node holds a copy that matches the metadata. Nothing is deleted: the metadata stays,
   * and so do copies with another checksum, since a node holding a good copy may come back.
   */
  public record Lost(String key, String reason) implements Action {
    /** Checks both are given. */
    public Lost {
      BlobStore.checkKey(key);
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** The copies to make. */
  public List<Copy> copies() {
    return only(Copy.class);
  }

  /** The copies to delete. */
  public List<Drop> drops() {
    return only(Drop.class);
  }

  /** The metadata entries to write. */
  public List<Record> records() {
    return only(Record.class);
  }

  /** The blobs no live node holds a good copy of. */
  public List<Lost> lost() {
    return only(Lost.class);
  }

  /** True if the plan changes nothing: no copy, drop or record (lost blobs may be reported). */
  public boolean changesNothing() {
    return actions.stream().allMatch(Lost.class::isInstance);
  }

  private static void checkSha256(String key, String sha256) {
    BlobStore.checkKey(key);
    if (sha256 == null || !StoredBlob.HEX_SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "SHA-256 '" + sha256 + "' of blob '" + key + "' is not 64 lowercase hex digits");
    }
  }

  private <T extends Action> List<T> only(Class<T> type) {
    return actions.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
