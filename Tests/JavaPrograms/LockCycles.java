import java.util.concurrent.locks.ReentrantLock;

/** Two monitor cycles' worth of bugs: synchronized blocks and ReentrantLocks taken in
 * opposite orders. Prints "deadlocked" once every thread has taken its first lock. */
public class LockCycles {
  static final Object accounts = new Object();
  static final Object ledger = new Object();
  static final ReentrantLock audit = new ReentrantLock();
  static final ReentrantLock report = new ReentrantLock();

  public static void main(String[] args) throws Exception {
    Thread transfer = new Thread(() -> { synchronized (accounts) { pause(); synchronized (ledger) {} } }, "transfer");
    Thread ledgerAudit = new Thread(() -> { synchronized (ledger) { pause(); synchronized (accounts) {} } }, "audit-ledger");
    Thread auditor = new Thread(() -> { audit.lock(); pause(); report.lock(); }, "auditor");
    Thread reporter = new Thread(() -> { report.lock(); pause(); audit.lock(); }, "reporter");
    for (Thread thread : new Thread[] {transfer, ledgerAudit, auditor, reporter}) thread.start();
    Thread.sleep(400);
    System.out.println("deadlocked");
    transfer.join();
  }

  static void pause() {
    try { Thread.sleep(200); } catch (InterruptedException e) { }
  }
}
