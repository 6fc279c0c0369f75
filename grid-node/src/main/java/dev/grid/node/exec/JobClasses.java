package dev.grid.node.exec;

import dev.grid.api.GridJob;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/** Makes a job's {@link GridJob} from its class name, with a clear message when it cannot. */
final class JobClasses {
  private JobClasses() {}

  /** A job class that cannot be made into a running job: the message says why. */
  static final class JobLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    JobLoadException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Loads the class from the jar's loader and makes an instance with its public no-argument
   * constructor.
   *
   * @param jar a short name of the jar, for messages
   */
  static GridJob<?> instantiate(ClassLoader loader, String name, String jar)
      throws JobLoadException {
    Class<?> type;
    try {
      type = Class.forName(name, true, loader);
    } catch (ClassNotFoundException | NoClassDefFoundError e) {
      throw new JobLoadException(
          "class "
              + name
              + " is not in jar "
              + jar
              + ": check the class"
              + " name (--class) and that the jar holds it (jar tf)");
    } catch (LinkageError e) {
      throw new JobLoadException("class " + name + " in jar " + jar + " cannot be loaded: " + e);
    }
    if (!GridJob.class.isAssignableFrom(type)) {
      throw new JobLoadException(
          "class "
              + name
              + " in jar "
              + jar
              + " does not implement "
              + GridJob.class.getName()
              + ": a Java job's class must");
    }
    Constructor<?> constructor;
    try {
      constructor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new JobLoadException(
          "class "
              + name
              + " has no public no-argument constructor:"
              + " give it one (and make the class public)");
    }
    try {
      return (GridJob<?>) constructor.newInstance();
    } catch (InstantiationException | IllegalAccessException e) {
      throw new JobLoadException(
          "class "
              + name
              + " cannot be instantiated: "
              + e
              + " (is it public, concrete and top-level or static?)");
    } catch (InvocationTargetException e) {
      throw new JobLoadException(
          "the constructor of " + name + " threw " + e.getCause() + where(e.getCause()));
    }
  }

  /** Where an exception was thrown, for a one-line message. */
  static String where(Throwable t) {
    StackTraceElement[] stack = t == null ? new StackTraceElement[0] : t.getStackTrace();
    return stack.length == 0 ? "" : " at " + stack[0] + " (stack trace in its stderr)";
  }

  /** The value's {@code toString()}, or why there is none. */
  static String text(Object value) {
    try {
      return String.valueOf(value);
    } catch (RuntimeException e) {
      return value.getClass().getName() + " (its toString() threw " + e + ")";
    }
  }
}
