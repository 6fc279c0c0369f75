package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.ArraySpec;
import dev.grid.api.GridClient;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.ScheduleSpec;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web dashboard in a real browser: Debian's headless Chromium, driven through its chromedriver,
 * against a one-node grid in this JVM. Each test logs in as a user would, watches the page update
 * by itself and fails if the page met a JavaScript error. Skipped where chromium or chromedriver is
 * not installed, saying so in a line ({@code .ci/run} installs both, and fails on a skipped test).
 *
 * <p>With {@code -Dgrid.dashboard.screenshots=DIR} it also saves the screenshots of
 * docs/DASHBOARD.md (and the README) there.
 */
@Tag("slow")
class DashboardBrowserIT {
  private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String ADMIN = "admin-" + UUID.randomUUID();
  private static final String READER = "reader-" + UUID.randomUUID();

  private static GridNode node;
  private static GridClient grid;

  private ChromeDriver browser;
  private WebDriverWait wait;

  /** Statuses the page is expected to be refused with in a test (Chrome logs each as SEVERE). */
  private final List<Integer> refusalsExpected = new ArrayList<>();

  @BeforeAll
  static void startNode(@TempDir Path dir) throws Exception {
    Skip.unless(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "DashboardBrowserIT",
        "the dashboard's browser tests need Debian's chromium and chromium-driver"
            + " (/usr/bin/chromium, /usr/bin/chromedriver): apt-get install chromium"
            + " chromium-driver");
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "ops admin " + ADMIN + "\nviewer read " + READER + "\n");
    Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-------"));
    NodeConfig base =
        new NodeConfig(
            "n1",
            "dash-" + UUID.randomUUID(),
            "127.0.0.1",
            TestGrid.freePort(),
            0,
            List.of(),
            dir.resolve("n1"),
            ADMIN,
            4,
            7,
            TestGrid.LEASE,
            64 * 1024);
    NodeConfig config =
        new NodeConfig(
            base.name(),
            base.clusterName(),
            base.bindHost(),
            base.port(),
            base.httpPort(),
            base.members(),
            base.dataDir(),
            base.token(),
            base.slots(),
            base.partitions(),
            base.leaseTime(),
            base.outputCapBytes(),
            base.replication(),
            base.scrubEvery(),
            base.retention(),
            base.jobEnv(),
            base.tls(),
            tokens,
            0,
            null,
            null,
            java.util.Set.of(),
            null,
            true,
            List.of(),
            List.of());
    node = GridNode.start(config, TestGrid.TIMINGS.formingAlone());
    grid = GridClient.connect(List.of(URI.create(node.httpUrl())), ADMIN);
  }

  @AfterAll
  static void stopNode() {
    if (grid != null) {
      grid.close();
    }
    if (node != null) {
      node.halt();
    }
  }

  @BeforeEach
  void openBrowser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,860");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    wait = new WebDriverWait(browser, WAIT);
  }

  @AfterEach
  void closeBrowser() {
    if (browser == null) {
      return;
    }
    try {
      assertNoJavaScriptErrors();
    } finally {
      browser.quit();
    }
  }

  @Test
  void a_wrong_token_is_refused_with_a_clear_message() {
    refusalsExpected.add(401);
    browser.get(node.httpUrl() + "/");
    logIn("not-" + ADMIN);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Wrong token"));
    assertThat(browser.findElement(By.id("message")).getText())
        .contains("missing or wrong bearer token");
    assertThat(browser.findElements(By.id("login"))).hasSize(1);
    assertThat(browser.getCurrentUrl()).doesNotContain("not-" + ADMIN);
  }

  @Test
  void a_submitted_job_goes_to_succeeded_without_reloading_and_its_output_opens() {
    open("#/jobs");
    browser.executeScript("window.sameLoad = true");
    JobId id = grid.submit(JobSpec.shell("sleep 1; echo hello from the dashboard"));
    By row = By.cssSelector("tr[data-id='" + id.value() + "']");
    wait.until(ExpectedConditions.presenceOfElementLocated(row));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "SUCCEEDED"));
    assertThat(browser.executeScript("return window.sameLoad")).isEqualTo(true);

    browser.findElement(By.linkText(id.value())).click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("stdout"), "hello from the dashboard"));
    assertThat(browser.findElement(By.id("exit-code")).getText()).isEqualTo("0");
    assertThat(browser.findElement(By.id("timeline")).getText())
        .contains("QUEUED", "RUNNING", "SUCCEEDED");
    assertThat(browser.findElement(By.id("spec")).getText()).contains("echo hello");
  }

  @Test
  void a_running_jobs_output_follows_live_and_cancel_ends_it() {
    JobId id = grid.submit(JobSpec.shell("echo first; sleep 2; echo second; sleep 60"));
    open("#/jobs/" + id.value());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-state"), "RUNNING"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("stdout"), "first"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("stdout"), "second"));
    assertThat(browser.findElement(By.id("stdout")).getText()).isEqualTo("first\nsecond");

    browser.findElement(By.id("cancel")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-state"), "CANCELLED"));
    assertThat(grid.status(id).state()).isEqualTo(JobState.CANCELLED);
    assertThat(browser.findElements(By.id("cancel"))).isEmpty();
  }

  @Test
  void an_arrays_progress_bar_reaches_100_percent() {
    JobId id = grid.submit(JobSpec.shell("sleep 0.3").withArray(ArraySpec.parse("0-11%4")));
    open("#/arrays");
    By bar = By.cssSelector("[data-id='" + id.value() + "'] [role=progressbar]");
    wait.until(ExpectedConditions.presenceOfElementLocated(bar));
    wait.until(ExpectedConditions.attributeToBe(bar, "aria-valuenow", "100"));
    assertThat(browser.findElement(By.cssSelector("[data-id='" + id.value() + "']")).getText())
        .contains("12 of 12 ended", "12 SUCCEEDED", "100%");
  }

  @Test
  void a_schedule_is_paused_from_its_row() {
    String name = "dash-" + UUID.randomUUID().toString().substring(0, 8);
    grid.schedules().add(ScheduleSpec.of(name, "@every 1h", JobSpec.command("true")));
    open("#/schedules");
    By row = By.cssSelector("tr[data-name='" + name + "']");
    wait.until(ExpectedConditions.presenceOfElementLocated(row))
        .findElement(By.className("pause"))
        .click();
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("tr[data-name='" + name + "'] .sched-state"), "paused"));
    assertThat(grid.schedules().get(name).paused()).isTrue();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "paused"));
  }

  @Test
  void a_read_token_sees_the_job_and_its_cancel_is_refused_naming_the_role() {
    refusalsExpected.add(403);
    JobId id = grid.submit(JobSpec.shell("sleep 60"));
    try {
      browser.get(node.httpUrl() + "/#/jobs/" + id.value());
      logIn(READER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-state"), "RUNNING"));
      browser.findElement(By.id("cancel")).click();
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "needs submit"));
      assertThat(browser.findElement(By.id("message")).getText())
          .contains("Not allowed with this token", "'viewer' has the read role");
      assertThat(grid.status(id).state()).isEqualTo(JobState.RUNNING);
    } finally {
      grid.cancel(id);
    }
  }

  @Test
  void the_overview_shows_the_node_jobs_and_storage() throws Exception {
    grid.submit(JobSpec.shell("echo ok"));
    grid.submit(JobSpec.shell("exit 3"));
    open("#/");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("nodes"), "primary"));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("hour-chart")));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("storage-health")));
    assertThat(browser.findElement(By.id("nodes")).getText())
        .contains("n1")
        .containsPattern("\\d+ s ago"); // its last heartbeat
    assertThat(browser.findElement(By.id("job-states")).getText()).contains("SUCCEEDED");
    screenshots();
  }

  /** Opens the dashboard at a page and logs in with the admin token. */
  private void open(String page) {
    browser.get(node.httpUrl() + "/" + page);
    logIn(ADMIN);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
  }

  private void logIn(String token) {
    WebElement input = wait.until(ExpectedConditions.elementToBeClickable(By.id("token")));
    input.sendKeys(token);
    browser.findElement(By.cssSelector("#login button[type=submit]")).click();
  }

  /**
   * Fails on an error the page met: one its hook caught (uncaught errors, rejected promises), or a
   * SEVERE line of the browser's console (a script that did not load, a CSP violation, a refused
   * request the test did not expect).
   */
  private void assertNoJavaScriptErrors() {
    Object caught = ((JavascriptExecutor) browser).executeScript("return window.gridErrors");
    assertThat(caught).as("errors the page caught").isEqualTo(List.of());
    List<String> severe = new ArrayList<>();
    for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && !expected(entry)) {
        severe.add(entry.getMessage());
      }
    }
    assertThat(severe).as("SEVERE lines of the browser's console").isEmpty();
  }

  private boolean expected(LogEntry entry) {
    for (int status : refusalsExpected) {
      if (entry.getMessage().contains("responded with a status of " + status)) {
        return true;
      }
    }
    return false;
  }

  /** docs/DASHBOARD.md's screenshots, when asked for: the overview, a job, the arrays. */
  private void screenshots() throws Exception {
    String to = System.getProperty("grid.dashboard.screenshots");
    if (to == null) {
      return;
    }
    Path dir = Files.createDirectories(Paths.get(to));
    JobId array =
        grid.submit(
            JobSpec.shell("sleep 0.2; [ $GRID_ARRAY_INDEX != 7 ]")
                .withArray(ArraySpec.parse("0-39%4")));
    JobId job =
        grid.submit(
            JobSpec.shell("for i in 1 2 3; do echo step $i of 3; sleep 1; done; echo done"));
    browser.navigate().refresh();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    browser.get(node.httpUrl() + "/#/jobs/" + job.value());
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("stdout"), "done"));
    save(dir.resolve("dashboard-job.png"));
    browser.get(node.httpUrl() + "/#/arrays");
    By bar = By.cssSelector("[data-id='" + array.value() + "'] [role=progressbar]");
    wait.until(ExpectedConditions.presenceOfElementLocated(bar));
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.attributeToBe(bar, "aria-valuenow", "100"));
    save(dir.resolve("dashboard-arrays.png"));
    browser.get(node.httpUrl() + "/#/");
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("storage-health")));
    save(dir.resolve("dashboard-overview.png"));
  }

  private void save(Path file) throws Exception {
    Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
  }
}
