package dev.grid.scheduler;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import dev.grid.api.JobId;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes the ids of submitted jobs, unique by construction, so that a submit can write its record
 * without first asking whether the id is taken (which, on a persisted map, reads the store).
 *
 * <p>An id is {@code j}, the submit's milliseconds in base 36 (9 digits, so ids sort by submit
 * time), a dash, and 8 base-36 digits holding 41 bits: this node's <em>nonce</em> (21 bits) and a
 * sequence (20 bits) that this node counts up from a random start. The nonce is drawn once per node
 * process from a counter in the grid's flags map, so no two nodes of a connected grid share one;
 * within a node the sequence differs for every id until it wraps, after 2^20 ids, which no
 * millisecond holds. The counter lives as long as the grid (a full restart starts it again), which
 * is safe because a restarted grid's milliseconds are later than the old ones. What it does not
 * cover: clocks set back across a restart, and a node that draws its nonce while the flags map has
 * lost both its copies (two nodes gone at once), which can repeat a live node's nonce; even then
 * two ids collide only with the same millisecond and sequence.
 *
 * <p>Ids made by {@link JobId#next} (random suffixes) and these mix freely: both are job ids.
 */
public final class JobIds {
  static final String NONCE_KEY = "job-id-nonce";
  static final int NONCE_BITS = 21;
  static final int SEQUENCE_BITS = 20;
  private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;

  private final long nonce;
  private final AtomicLong sequence;

  /** Ids with the given nonce (only its low {@value #NONCE_BITS} bits count). */
  JobIds(long nonce) {
    this.nonce = nonce & ((1L << NONCE_BITS) - 1);
    this.sequence = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << SEQUENCE_BITS));
  }

  /** Ids with a nonce freshly drawn from the grid's counter (one map call). */
  static JobIds drawn(HazelcastInstance hz) {
    IMap<String, Long> flags = hz.getMap(DurableMaps.FLAGS_MAP);
    return new JobIds(flags.executeOnKey(NONCE_KEY, new NextNonce()));
  }

  /** The id of a job submitted at {@code millis}. */
  JobId next(long millis) {
    long suffix = (nonce << SEQUENCE_BITS) | (sequence.getAndIncrement() & SEQUENCE_MASK);
    return JobId.of("j" + padded(Long.toString(millis, 36), 9) + "-" + padded(suffix, 8));
  }

  long nonce() {
    return nonce;
  }

  private static String padded(long value, int width) {
    return padded(Long.toString(value, 36), width);
  }

  private static String padded(String digits, int width) {
    return "0".repeat(Math.max(0, width - digits.length())) + digits;
  }

  /** Counts the grid's nonces, where the counter lives. */
  record NextNonce() implements EntryProcessor<String, Long, Long> {
    @Override
    public Long process(Map.Entry<String, Long> entry) {
      long next = entry.getValue() == null ? 1 : entry.getValue() + 1;
      entry.setValue(next);
      return next;
    }
  }
}
