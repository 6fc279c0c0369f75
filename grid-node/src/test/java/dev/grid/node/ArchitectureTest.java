package dev.grid.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The layering DESIGN.md draws, checked on the compiled classes: dependencies run one way. {@code
 * job-api} and {@code storage} stand alone; {@code scheduler} uses both; {@code grid-node} wires
 * them. A rule broken here names the class and the call that broke it.
 */
class ArchitectureTest {
  private static final JavaClasses GRID =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.grid");

  private static void check(ArchRule rule) {
    rule.check(GRID);
  }

  @Test
  void job_api_speaks_no_hazelcast_quartz_or_node_and_its_public_face_no_kryo() {
    check(
        noClasses()
            .that()
            .resideInAPackage("dev.grid.api..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "com.hazelcast..",
                "org.quartz..",
                "dev.grid.storage..",
                "dev.grid.scheduler..",
                "dev.grid.node..")
            .because("clients never speak Hazelcast, and job-api is all a client needs"));
    check(
        noClasses()
            .that()
            .resideInAPackage("dev.grid.api")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("com.esotericsoftware..")
            .because(
                "Kryo stays inside dev.grid.api.internal: no Kryo type in job-api's signatures"));
  }

  @Test
  void storage_knows_no_job_scheduler_or_node() {
    check(
        noClasses()
            .that()
            .resideInAPackage("dev.grid.storage..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "dev.grid.api..", "dev.grid.scheduler..", "dev.grid.node..", "org.quartz..")
            .because("the blob store knows nothing of jobs"));
  }

  @Test
  void only_the_node_speaks_micrometer() {
    check(
        noClasses()
            .that()
            .resideInAnyPackage("dev.grid.api..", "dev.grid.storage..", "dev.grid.scheduler..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.micrometer..")
            .because(
                "the scheduler and the store keep plain counts; the node binds them to meters"
                    + " (NodeMetrics)"));
  }

  @Test
  void scheduler_knows_no_node() {
    check(
        noClasses()
            .that()
            .resideInAPackage("dev.grid.scheduler..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.grid.node..")
            .because("the node wires the scheduler, not the other way round"));
  }
}
