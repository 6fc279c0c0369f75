package dev.grid.scheduler;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.MemberAttributeConfig;
import dev.grid.storage.ReplicatedBlobStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which members vote for the primary, as the voters themselves declare it.
 *
 * <p>A grid has a few voters (1, 3 or 5: the nodes that hold the primary lease, {@code --voters})
 * and any number of workers, which run jobs and take no part in the lease. Each voter publishes, as
 * member attributes set when it starts, the voter set it was started with ({@link #SET_ATTRIBUTE})
 * and its own entry in it ({@link #SELF_ATTRIBUTE}); workers publish neither, and learn the set
 * from the voters.
 *
 * <p>The grid's voter set is the one most voters declare; on a tie, the larger set, then the one
 * that sorts first. Every node computes the same answer from the same members. A voter whose own
 * set is not the grid's takes no part in the lease (see {@code GridNode}): two nodes started with
 * different lists would otherwise each count their own majority, and a node started alone with a
 * one-voter list would elect itself beside the grid's primary. A tie goes to the larger set for the
 * same reason: a lone node's one-voter list never outweighs a grid's.
 *
 * <pre>{@code
 * GridVoters.declare(memberAttributes, List.of("10.0.0.1:15701", "10.0.0.2:15701", "10.0.0.3:15701"),
 *     "10.0.0.1:15701");
 * Optional<List<String>> voters = GridVoters.of(hz.getCluster().getMembers());
 * }</pre>
 */
public final class GridVoters {
  /** The member attribute holding the voter set a voter was started with, sorted, comma-joined. */
  public static final String SET_ATTRIBUTE = "grid.voters";

  /** The member attribute holding a voter's own entry in that set ({@code host:port}). */
  public static final String SELF_ATTRIBUTE = ReplicatedBlobStore.VOTER_ATTRIBUTE;

  private GridVoters() {}

  /** Declares this member a voter of {@code voters}, under its entry {@code self}. */
  public static void declare(MemberAttributeConfig attributes, List<String> voters, String self) {
    attributes.setAttribute(SET_ATTRIBUTE, joined(voters));
    attributes.setAttribute(SELF_ATTRIBUTE, self);
  }

  /** Declares this member a worker: it votes for no one ({@link #SELF_ATTRIBUTE} empty). */
  public static void declareWorker(MemberAttributeConfig attributes) {
    attributes.setAttribute(SELF_ATTRIBUTE, "");
  }

  /** The voter set the grid's voters among {@code members} declare; empty if none is a voter. */
  public static Optional<List<String>> of(Collection<Member> members) {
    return chosen(declared(members));
  }

  private static List<String> declared(Collection<Member> members) {
    List<String> declared = new ArrayList<>();
    for (Member member : members) {
      String set = member.getAttribute(SET_ATTRIBUTE);
      if (set != null && !set.isEmpty()) {
        declared.add(set);
      }
    }
    return declared;
  }

  /**
   * As {@link #of}, but only once a majority of that list's own voters among {@code members}
   * declare it: what a worker may learn as the grid's voters for good (a stray voter with a list of
   * its own, seen alone, is not the grid).
   */
  public static Optional<List<String>> established(Collection<Member> members) {
    return establishedAmong(declared(members));
  }

  /** {@link #chosen}, if a majority of the chosen list's own voters are among {@code declared}. */
  static Optional<List<String>> establishedAmong(List<String> declared) {
    return chosen(declared)
        .filter(
            list -> declared.stream().filter(joined(list)::equals).count() >= list.size() / 2 + 1);
  }

  /**
   * The voter set most of {@code declared} (each a voter's comma-joined list) name; on a tie the
   * longer list, then the one that sorts first.
   */
  static Optional<List<String>> chosen(List<String> declared) {
    Map<String, Integer> counts = new HashMap<>();
    declared.forEach(set -> counts.merge(set, 1, Integer::sum));
    Comparator<Map.Entry<String, Integer>> byCount = Map.Entry.comparingByValue();
    Comparator<Map.Entry<String, Integer>> bySize =
        Comparator.comparingInt(e -> split(e.getKey()).size());
    Comparator<Map.Entry<String, Integer>> sortsFirst =
        Map.Entry.<String, Integer>comparingByKey().reversed();
    return counts.entrySet().stream()
        .max(byCount.thenComparing(bySize).thenComparing(sortsFirst))
        .map(e -> split(e.getKey()));
  }

  /** Whether {@code member} is a voter of {@code voters}: it declared that set and is in it. */
  public static boolean isVoter(Member member, List<String> voters) {
    String self = member.getAttribute(SELF_ATTRIBUTE);
    String set = member.getAttribute(SET_ATTRIBUTE);
    return self != null && set != null && set.equals(joined(voters)) && voters.contains(self);
  }

  /** Whether two voter lists name the same voters, whatever their order. */
  public static boolean same(List<String> a, List<String> b) {
    return sorted(a).equals(sorted(b));
  }

  /** A voter list in the order every node numbers voters. */
  public static List<String> sorted(List<String> voters) {
    List<String> sorted = new ArrayList<>(voters);
    sorted.sort(null);
    return sorted;
  }

  private static List<String> split(String joined) {
    return List.of(joined.split(","));
  }

  /** A voter list as one string, the same for the same voters in any order. */
  static String joined(List<String> voters) {
    return String.join(",", sorted(voters));
  }
}
