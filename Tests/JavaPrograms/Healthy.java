import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A healthy service: an idle thread pool, a sleeper, and a thread that waits on a
 * monitor with a timeout and is notified. Prints "ready" once they are all waiting. */
public class Healthy {
  static final Object signal = new Object();

  public static void main(String[] args) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    pool.submit(() -> { });
    new Thread(() -> { try { Thread.sleep(60_000); } catch (InterruptedException e) { } }, "sleeper").start();
    Thread waiter = new Thread(() -> {
      synchronized (signal) { try { signal.wait(60_000); } catch (InterruptedException e) { } }
    }, "timed-waiter");
    waiter.setDaemon(true);
    waiter.start();
    Thread.sleep(300);
    System.out.println("ready");
    Thread.sleep(60_000);
  }
}
