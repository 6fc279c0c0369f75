/**
 * When schedules are due, and what becomes of fires missed while no primary ran. Pure logic: no
 * Hazelcast, no threads, no wall clock; every method takes the instants it reasons about. {@link
 * dev.grid.scheduler.cron.CronSchedule} parses what users write (Quartz, Unix cron, {@code @every},
 * {@code @daily}...) and computes due times through Quartz's {@code CronExpression}; {@link
 * dev.grid.scheduler.cron.Misfires} turns a gap since the last handled fire into a plan under a
 * {@link dev.grid.api.MisfirePolicy}.
 */
package dev.grid.scheduler.cron;
