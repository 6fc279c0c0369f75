package dev.grid.scheduler.lease;

/**
 * The messages of the lease protocol. Voters and candidates are named by their voter id; a reply
 * goes back to the candidate that the request names. Every message but a release carries its
 * sender's configuration: a receiver at an older one moves up to it first, and a voter answers only
 * messages of its own version (see the package documentation).
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
   * @param proposer the candidate's voter id
   * @param configuration the candidate's configuration
   */
  record Prepare(long ballot, int proposer, Configuration configuration) implements LeaseMessage {}

  /**
   * A voter's answer to a prepare, with the lease it has accepted if that lease is live on its own
   * timer, and the change of the voters it accepted, if any.
   *
   * @param ballot the ballot asked for
   * @param voter the answering voter
   * @param promised whether the voter promised the ballot (false: it promised higher, or it is at
   *     another version)
   * @param highestPromised the highest ballot the voter has promised, to learn from
   * @param leaseOwner owner of the voter's live lease, or {@link #NO_OWNER}
   * @param leaseEpoch epoch of that lease
   * @param leaseRemainingNanos how long that lease still runs on the voter's timer
   * @param configuration the voter's configuration
   * @param pending the change the voter accepted for the next version, or null
   */
  record PrepareReply(
      long ballot,
      int voter,
      boolean promised,
      long highestPromised,
      int leaseOwner,
      long leaseEpoch,
      long leaseRemainingNanos,
      Configuration configuration,
      PendingChange pending)
      implements LeaseMessage {}

  /**
   * Phase 2: the candidate, its own timer already started, asks the voters to accept it as owner.
   *
   * @param ballot the promised ballot
   * @param owner the candidate's voter id
   * @param epoch the epoch the owner holds the lease under (its ballot, or the epoch a renewal
   *     continues)
   * @param leaseNanos the lease time T the voters time the lease with
   * @param configuration the candidate's configuration, the version the round runs under
   * @param change the next configuration this round carries, or null
   */
  record Propose(
      long ballot,
      int owner,
      long epoch,
      long leaseNanos,
      Configuration configuration,
      Configuration change)
      implements LeaseMessage {}

  /**
   * A voter's answer to a propose.
   *
   * @param ballot the ballot proposed
   * @param voter the answering voter
   * @param accepted whether the voter accepted (false: it promised higher, or it is at another
   *     version)
   * @param highestPromised the highest ballot the voter has promised, to learn from
   * @param configuration the voter's configuration
   */
  record ProposeReply(
      long ballot, int voter, boolean accepted, long highestPromised, Configuration configuration)
      implements LeaseMessage {}

  /**
   * The owner gives the lease up (it already counts itself not primary): voters forget a lease of
   * this owner with a ballot up to {@code ballot}, so another node can take over at once.
   *
   * @param ballot the highest ballot the owner has used
   * @param owner the owner's voter id
   */
  record Release(long ballot, int owner) implements LeaseMessage {}
}
