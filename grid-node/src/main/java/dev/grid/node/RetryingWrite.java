package dev.grid.node;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * A write to the grid tried up to {@value #TRIES} times while the grid is briefly unavailable (a
 * partition migrating, a member leaving), waiting 200 ms times the failed try's number before the
 * next. It logs nothing itself: each caller says what failed, in its own words.
 *
 * <p>Two ways to give up:
 *
 * <ul>
 *   <li>{@link #patiently}, for a start: every failed try is told and waited for, the last one too,
 *       and after each wait the caller may find the write settled anyway (the record moved on), so
 *       that what follows a failed start (a read, a hand-back) meets a grid that had time to
 *       settle.
 *   <li>{@link #eagerly}, for an end: the last failure is neither told nor waited for; the caller's
 *       give-up (throw, queue the end again) comes at once.
 * </ul>
 *
 * <p>A write that answers null has no answer yet (the block it wrote to was not there): it is tried
 * again at once, without a word or a wait.
 */
final class RetryingWrite {
  /** How many times a write is tried. */
  static final int TRIES = 3;

  /** The wait after a failed try, times the try's number. */
  static final long PAUSE_NANOS = 200_000_000L;

  /** Waits by parking the calling thread. */
  static final RetryingWrite PARKING = new RetryingWrite(LockSupport::parkNanos);

  /** Try {@code n} (from 1) failed with {@code e}: the caller logs it. */
  interface Failed {
    void tell(int n, RuntimeException e);
  }

  /** After the wait that followed a failed try: an answer that ends the write, or null. */
  interface Settled<T> {
    T check(RuntimeException failed);
  }

  /** Every try failed ({@code last} is the latest failure, null if none threw): the answer. */
  interface GiveUp<T> {
    T answer(RuntimeException last);
  }

  private final LongConsumer pause;

  RetryingWrite(LongConsumer pause) {
    this.pause = pause;
  }

  /**
   * A start: tries {@code write}; after a failed try, tells {@code failed}, waits, then asks {@code
   * settled} (whose own failure becomes the latest one); after the last, {@code giveUp}.
   */
  <T> T patiently(Supplier<T> write, Failed failed, Settled<T> settled, GiveUp<T> giveUp) {
    return write(write, failed, settled, giveUp, true);
  }

  /**
   * An end: tries {@code write}; after a failed try but the last, tells {@code failed} and waits;
   * after the last, {@code giveUp} at once.
   */
  <T> T eagerly(Supplier<T> write, Failed failed, GiveUp<T> giveUp) {
    return write(write, failed, e -> null, giveUp, false);
  }

  private <T> T write(
      Supplier<T> write, Failed failed, Settled<T> settled, GiveUp<T> giveUp, boolean patient) {
    RuntimeException last = null;
    for (int n = 1; n <= TRIES; n++) {
      try {
        T answer = write.get();
        if (answer != null) {
          return answer;
        }
      } catch (RuntimeException e) {
        last = e;
        if (n == TRIES && !patient) {
          break;
        }
        failed.tell(n, e);
        pause.accept(PAUSE_NANOS * n);
        try {
          T now = settled.check(e);
          if (now != null) {
            return now;
          }
        } catch (RuntimeException checkFailed) {
          last = checkFailed;
        }
      }
    }
    return giveUp.answer(last);
  }
}
