package dev.grid.node.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.node.TestJars;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobClassLoadersTest {
  private static final String SHA = "ab".repeat(32);
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(now.get());
        }
      };
  @TempDir Path dir;

  @Test
  void when_jobs_of_a_jar_overlap_then_they_share_one_loader_closed_only_after_the_idle_time()
      throws Exception {
    Path jar =
        TestJars.build(
            dir, "x", Map.of("com.example.X", "package com.example;" + " public class X {}"));
    JobClassLoaders loaders = new JobClassLoaders(clock, Duration.ofSeconds(60));
    JobClassLoaders.Lease first = loaders.acquire(SHA, jar);
    JobClassLoaders.Lease second = loaders.acquire(SHA, jar);
    assertThat(second.loader()).isSameAs(first.loader());
    assertThat(first.loader().loadClass("com.example.X").getClassLoader()).isSameAs(first.loader());

    first.close();
    now.addAndGet(120_000);
    loaders.closeIdle();
    assertThat(loaders.open()).isEqualTo(1); // the second job still uses it

    second.close();
    second.close(); // a second close is a no-op, not a second release
    now.addAndGet(59_000);
    loaders.closeIdle();
    assertThat(loaders.open()).isEqualTo(1);
    now.addAndGet(1_000);
    loaders.closeIdle();
    assertThat(loaders.open()).isZero();

    JobClassLoaders.Lease again = loaders.acquire(SHA, jar);
    assertThat(again.loader()).isNotSameAs(first.loader());
    loaders.close();
    assertThatThrownBy(() -> loaders.acquire(SHA, jar)).hasMessageContaining("stopping");
  }

  @Test
  void when_a_job_loads_a_class_then_it_sees_the_jdk_and_the_api_but_not_the_node() {
    ApiOnlyClassLoader parent = new ApiOnlyClassLoader(getClass().getClassLoader());
    assertThat(load(parent, "java.util.List")).isTrue();
    assertThat(load(parent, "java.sql.Connection")).isTrue();
    assertThat(load(parent, "dev.grid.api.GridJob")).isTrue();
    assertThat(load(parent, "dev.grid.node.GridNode")).isFalse();
    assertThat(load(parent, "com.hazelcast.core.Hazelcast")).isFalse();
    assertThat(load(parent, "com.fasterxml.jackson.databind.ObjectMapper")).isFalse();
  }

  private static boolean load(ClassLoader loader, String name) {
    try {
      loader.loadClass(name);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
