package dev.grid.node.exec;

import java.net.URL;

/**
 * The parent of every job jar's class loader: it shows the JDK (the platform class loader) and the
 * grid's job API ({@code dev.grid.api}), and nothing else of the node. A job jar therefore sees
 * neither another jar's classes nor the node's own libraries (Hazelcast, Kryo, Jackson), and a jar
 * that bundles its own copy of such a library uses that copy without replacing the node's. A jar's
 * own copy of {@code dev.grid.api} is ignored, so {@code GridJob} is one interface.
 */
final class ApiOnlyClassLoader extends ClassLoader {
  private static final String API = "dev.grid.api.";

  static {
    registerAsParallelCapable();
  }

  private final ClassLoader api;

  /**
   * @param api the loader that loaded {@code dev.grid.api} (the node's own)
   */
  ApiOnlyClassLoader(ClassLoader api) {
    super("grid-job-parent", ClassLoader.getPlatformClassLoader());
    this.api = api;
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (name.startsWith(API)) {
      return api.loadClass(name);
    }
    return super.loadClass(name, resolve);
  }

  @Override
  public URL getResource(String name) {
    return name.startsWith("dev/grid/api/") ? api.getResource(name) : super.getResource(name);
  }
}
