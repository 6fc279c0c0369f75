package dev.grid.api;

/** No job has the given id. */
public class JobNotFoundException extends GridException {
  private static final long serialVersionUID = 1L;
  private final transient JobId jobId;

  public JobNotFoundException(JobId jobId) {
    super("no job with id '" + jobId + "': check the id with bin/jobs");
    this.jobId = jobId;
  }

  /** The id that was asked for. */
  public JobId jobId() {
    return jobId;
  }
}
