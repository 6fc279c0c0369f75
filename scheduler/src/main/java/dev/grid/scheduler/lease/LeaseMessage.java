package dev.grid.scheduler.lease;

/**
 * The messages of the lease protocol. Voters and candidates are named by their index in the sorted
 * voter list; a reply goes back to the candidate that the request names.
 */
public sealed interface LeaseMessage
    permits LeaseMessage.Prepare,
        LeaseMessage.PrepareReply,
        LeaseMessage.Propose,
        LeaseMessage.ProposeReply,
        LeaseMessage.Release {

  /** No owner: the voter holds no live lease. */
  int NO_OWNER = -1;

  /** The ballot the message is about. */
  long ballot();

  /**
   * Phase 1: candidate {@code proposer} asks every voter to promise {@code ballot}.
   *
   * @param ballot the candidate's new ballot
   * @param proposer the candidate's voter index
   */
  record Prepare(long ballot, int proposer) implements LeaseMessage {}

  /**
   * A voter's answer to a prepare, with the lease it has accepted if that lease is live on its own
   * timer.
   *
   * @param ballot the ballot asked for
   * @param voter the answering voter
   * @param promised whether the voter promised the ballot (false: it promised higher)
   * @param highestPromised the highest ballot the voter has promised, to learn from
   * @param leaseOwner owner of the voter's live lease, or {@link #NO_OWNER}
   * @param leaseEpoch epoch of that lease
   * @param leaseRemainingNanos how long that lease still runs on the voter's timer
   */
  record PrepareReply(
      long ballot,
      int voter,
      boolean promised,
      long highestPromised,
      int leaseOwner,
      long leaseEpoch,
      long leaseRemainingNanos)
      implements LeaseMessage {}

  /**
   * Phase 2: the candidate, its own timer already started, asks the voters to accept it as owner.
   *
   * @param ballot the promised ballot
   * @param owner the candidate's voter index
   * @param epoch the epoch the owner holds the lease under (its ballot, or the epoch a renewal
   *     continues)
   * @param leaseNanos the lease time T the voters time the lease with
   */
  record Propose(long ballot, int owner, long epoch, long leaseNanos) implements LeaseMessage {}

  /**
   * A voter's answer to a propose.
   *
   * @param ballot the ballot proposed
   * @param voter the answering voter
   * @param accepted whether the voter accepted (false: it promised higher)
   * @param highestPromised the highest ballot the voter has promised, to learn from
   */
  record ProposeReply(long ballot, int voter, boolean accepted, long highestPromised)
      implements LeaseMessage {}

  /**
   * The owner gives the lease up (it already counts itself not primary): voters forget a lease of
   * this owner with a ballot up to {@code ballot}, so another node can take over at once.
   *
   * @param ballot the highest ballot the owner has used
   * @param owner the owner's voter index
   */
  record Release(long ballot, int owner) implements LeaseMessage {}
}
