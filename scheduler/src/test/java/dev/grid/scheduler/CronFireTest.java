package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import org.junit.jupiter.api.Test;

class CronFireTest {
  @Test
  void a_fire_job_id_reads_back_as_its_schedule_and_due_time() {
    CronFire fire = new CronFire("backup.nightly-2", 1_700_000_000_000L);
    assertThat(fire.jobId()).isEqualTo(JobId.of("cron.backup.nightly-2.1700000000000"));
    assertThat(CronFire.of(fire.jobId())).contains(fire);
    assertThat(fire.runKey()).isEqualTo("backup.nightly-2@1700000000000");
  }

  @Test
  void ids_that_are_not_fires_are_not_read_as_fires() {
    for (String id :
        new String[] {
          "j-123",
          "cron.",
          "cron.x",
          "cron.x.",
          "cron.x.12a",
          "cron..12",
          "cronx.s.12",
          "cron.s.99999999999999999999"
        }) {
      assertThat(CronFire.of(JobId.of(id))).as(id).isEmpty();
    }
  }
}
