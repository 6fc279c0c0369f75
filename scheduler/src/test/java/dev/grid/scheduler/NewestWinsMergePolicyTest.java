package dev.grid.scheduler;

import static dev.grid.api.JobState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.spi.merge.MergingValue;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.ScheduleRun;
import dev.grid.api.ScheduleSpec;
import org.junit.jupiter.api.Test;

/**
 * After a partition heals, the copy of a record further along in its life wins, whichever side
 * Hazelcast merges into; the seed-90001 chaos run had a cron fire's job run twice because the old
 * primary's QUEUED copy won over the majority's SUCCEEDED one.
 */
class NewestWinsMergePolicyTest {
  private static final JobId FIRE = JobId.of("cron.tick.1796563693000");
  private final NewestWinsMergePolicy<Object, MergingValue<Object>> policy =
      new NewestWinsMergePolicy<>();

  /** A value as a merge sees it: its object, and its raw form (here the object again). */
  private record Value(Object value) implements MergingValue<Object> {
    @Override
    public Object getDeserializedValue() {
      return value;
    }

    @Override
    public Object getRawValue() {
      return value;
    }
  }

  private Object merged(Object merging, Object existing) {
    return policy.merge(new Value(merging), existing == null ? null : new Value(existing));
  }

  private static JobRecord applied(JobRecord r, JobCommand c) {
    UpdateResult u = JobUpdate.apply(r, c);
    assertThat(u.applied()).as("%s: %s", c, u.refusal()).isTrue();
    return u.record();
  }

  @Test
  void when_the_old_primarys_queued_copy_meets_the_majoritys_ended_one_then_the_ended_one_wins() {
    JobRecord queuedOnTheOldSide = JobRecord.queued(FIRE, JobSpec.command("true"), 1000);
    JobRecord ran = applied(queuedOnTheOldSide, new JobCommand.Dispatch(34, "n2", "w2", 1001));
    ran = applied(ran, new JobCommand.Start("n2", 1, 1002));
    JobRecord ended =
        applied(ran, new JobCommand.Finish("n2", 1, SUCCEEDED, 0, null, 1, 0, false, 1003));

    // The majority's copy merges into the stale side, and the stale side into the majority.
    assertThat(merged(ended, queuedOnTheOldSide)).isSameAs(ended);
    assertThat(merged(queuedOnTheOldSide, ended)).isSameAs(ended);
  }

  @Test
  void when_two_copies_were_written_by_different_primaries_then_the_newer_primarys_wins() {
    JobRecord base = JobRecord.queued(FIRE, JobSpec.command("true"), 1000);
    JobRecord byOld = applied(base, new JobCommand.Dispatch(7, "n1", "w1", 1001));
    byOld = applied(byOld, new JobCommand.Start("n1", 1, 1002)); // more changes, older epoch
    JobRecord byNew = applied(base, new JobCommand.Dispatch(9, "n2", "w2", 1003));

    assertThat(merged(byOld, byNew)).isSameAs(byNew);
    assertThat(merged(byNew, byOld)).isSameAs(byNew);
  }

  @Test
  void when_both_copies_are_alike_or_the_value_is_unknown_then_the_existing_copy_stays() {
    JobRecord a = JobRecord.queued(FIRE, JobSpec.command("true"), 1000);
    JobRecord b = JobRecord.queued(FIRE, JobSpec.command("true"), 1000);

    assertThat(merged(a, b)).isSameAs(b);
    assertThat(merged("other", "existing")).isEqualTo("existing");
    assertThat(merged("only", null)).isEqualTo("only");
  }

  @Test
  void
      when_schedules_meet_then_the_one_handled_further_wins_and_a_started_run_beats_a_missed_one() {
    ScheduleSpec spec = ScheduleSpec.of("tick", "* * * * * ?", JobSpec.command("true"));
    ScheduleRecord behind = new ScheduleRecord(spec, 0, false, 5000L, null, 9);
    ScheduleRecord ahead = new ScheduleRecord(spec, 0, false, 9000L, FIRE, 7);
    ScheduleRecord never = new ScheduleRecord(spec, 0, false, null, null, 9);

    assertThat(merged(ahead, behind)).isSameAs(ahead);
    assertThat(merged(behind, ahead)).isSameAs(ahead);
    assertThat(merged(behind, never)).isSameAs(behind);

    ScheduleRunRecord missed =
        new ScheduleRunRecord(
            "tick", 9000, ScheduleRun.Outcome.MISSED, null, "no primary ran at its due time");
    ScheduleRunRecord started =
        new ScheduleRunRecord("tick", 9000, ScheduleRun.Outcome.STARTED, FIRE, null);
    assertThat(merged(started, missed)).isSameAs(started);
    assertThat(merged(missed, started)).isSameAs(started);
  }
}
