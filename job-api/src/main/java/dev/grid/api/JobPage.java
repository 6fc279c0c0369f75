package dev.grid.api;

import java.util.List;

/**
 * One page of the grid's jobs, oldest first ({@code GET /api/jobs?limit=N&after=CURSOR}), and where
 * the next one starts. Walk the pages by passing {@link #next()} back until it is null:
 *
 * <pre>{@code
 * JobPage page = grid.jobsPage(Optional.of(JobState.FAILED), false, 500, null);
 * while (true) {
 *   page.jobs().forEach(job -> System.out.println(job.id()));
 *   if (page.next() == null) {
 *     break;
 *   }
 *   page = grid.jobsPage(Optional.of(JobState.FAILED), false, 500, page.next());
 * }
 * }</pre>
 *
 * A walk lists every job that exists during all of it exactly once, whatever is submitted or
 * deleted meanwhile; a job submitted or deleted during the walk may or may not be listed.
 *
 * @param jobs the page's jobs, at most the limit asked for (a page may hold fewer even when more
 *     follow: only a null {@code next} says the walk is over)
 * @param next the cursor of the next page (opaque: give it back as it is), or null if this page is
 *     the last
 */
public record JobPage(List<JobInfo> jobs, String next) {

  /** The number of jobs a page holds when no limit is given. */
  public static final int DEFAULT_LIMIT = 1000;

  /** The largest limit a node accepts. */
  public static final int MAX_LIMIT = 10_000;

  /** Copies the list; a missing one is empty. */
  public JobPage {
    jobs = jobs == null ? List.of() : List.copyOf(jobs);
  }
}
