package dev.ferry.engine.model.cpu;

import com.sun.jna.Pointer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A second thread for one thread's OpenBLAS products. A product is cut into parts that the owner
 * and the partner claim one at a time, so neither waits for the other longer than one part: a
 * partner that wakes late or loses its core for a while simply does fewer parts, and if it has not
 * started when the owner has claimed the last part, the offer is withdrawn. (Fixed halves cost the
 * owner about a tenth of a batch-1 step waiting for a late partner.) OpenBLAS's own thread pool
 * would share the work too but spins for tenths of a second after every call without yielding,
 * fighting libtorch's OpenMP workers for the cores; the partner waits for the next product by
 * spinning and then parks. It yields while it spins ({@link #SPIN_NANOS}, long enough to span the
 * ops between two layers of a decode step) unless the owner's step leaves it the core
 * ({@link #coreOfItsOwn}). Each engine thread gets its own partner on first use; a partner whose
 * owner has ended ends too.
 */
final class BlasPartner {
    private static final ThreadLocal<BlasPartner> OF_THREAD = ThreadLocal.withInitial(() -> new BlasPartner(Thread.currentThread()));
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final long OWN_CORE_SPIN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Bytes read per prefetch chunk: an offer waits at most this long (about 2 µs) for the partner. */
    private static final long PREFETCH_CHUNK = 64 << 10;
    private static final long PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Stands in {@link #offer} while the partner works on the offer it took. */
    private static final Runnable TAKEN = () -> { };
    private static final VarHandle OFFER;

    static {
        try {
            OFFER = MethodHandles.lookup().findVarHandle(BlasPartner.class, "offer", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread owner;
    private final Thread thread;
    private final AtomicInteger nextPart = new AtomicInteger();
    /** The current product, offered by the owner; {@link #TAKEN} while the partner works on it; else null. */
    private volatile Runnable offer;
    private volatile boolean parked;
    /** Whether the partner's core is its own (no OpenMP team in the owner's step), so it spins without yielding. */
    private volatile boolean coreOfItsOwn;
    private volatile Throwable failure;
    /** Memory the partner reads into the caches while it waits with a core of its own; null for none. */
    private volatile Prefetch prefetch;
    /** Set by the partner around each chunk it reads, so that the owner can wait until no read is under way. */
    private volatile boolean reading;
    /** The partner's progress through {@link #prefetch}: the job and the bytes of it read so far. */
    private Prefetch prefetching;
    private long prefetched;

    private BlasPartner(Thread owner) {
        this.owner = owner;
        this.thread = new Thread(this::loop, owner.getName() + "-blas");
        thread.setDaemon(true);
        thread.start();
    }

    static BlasPartner ofCurrentThread() {
        return OF_THREAD.get();
    }

    /**
     * Tells the partner whether the owner's OpenMP team is off ({@link SmallStepThreads}): then it
     * spins without yielding, which takes an offer in about 1.5 µs instead of 3-40 µs, and is woken
     * now if parked rather than by the step's first product. With the team on, a partner spinning
     * without yielding delays the team's worker on the same core (batch-32 step 67 to 81 ms).
     */
    void coreOfItsOwn(boolean own) {
        coreOfItsOwn = own;
        if (own && parked) {
            LockSupport.unpark(thread);
        }
        if (!own) {
            stopPrefetch(); // what it would read may be freed once the step is over
        }
    }

    /**
     * Has the partner read {@code bytes} at {@code at} (the next product's weights) into the caches
     * while it waits, if it has a core of its own: then the memory stream of a small step does not
     * stop while the owner runs the ops between two products (about a third of a batch-1 step).
     * The memory must stay valid until the end of the step ({@code coreOfItsOwn(false)}).
     */
    void prefetch(Pointer at, long bytes) {
        if (coreOfItsOwn) {
            prefetch = new Prefetch(at, bytes);
        }
    }

    /** Returns once the partner reads no prefetch memory and will start none. */
    private void stopPrefetch() {
        prefetch = null;
        while (reading) { // volatile write then read here, write then read there: one sees the other
            Thread.onSpinWait();
        }
    }

    /** Runs {@code part} for each of {@code 0 .. parts-1} on this thread and the partner; returns when all are done. */
    void share(int parts, IntConsumer part) {
        AtomicInteger next = nextPart;
        next.set(0);
        Runnable product = () -> claimAll(next, parts, part);
        offer = product;
        if (parked) {
            LockSupport.unpark(thread);
        }
        prefetch = null; // the partner stops at the offer; no wait for a chunk it is reading: the memory stays valid
        try {
            product.run();
        } finally {
            if (!OFFER.compareAndSet(this, product, null)) { // taken: wait for the partner's last part
                while (offer != null) {
                    Thread.onSpinWait();
                }
            }
        }
        Throwable t = failure;
        if (t != null) {
            failure = null;
            throw new IllegalStateException("the BLAS partner thread failed", t);
        }
    }

    /** Reads the next chunk of the current prefetch job, if there is one; false when there is nothing to read. */
    private boolean readPrefetchChunk() {
        reading = true;
        try {
            Prefetch p = prefetch;
            if (p == null) {
                return false;
            }
            if (p != prefetching) {
                prefetching = p;
                prefetched = 0;
            }
            long n = Math.min(p.bytes() - prefetched, PREFETCH_CHUNK);
            if (n <= 0) {
                return false;
            }
            OpenBlas.touch(p.at().share(prefetched), n);
            prefetched += n;
            return true;
        } finally {
            reading = false;
        }
    }

    private static void claimAll(AtomicInteger next, int parts, IntConsumer part) {
        for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) {
            part.accept(i);
        }
    }

    private void loop() {
        while (owner.isAlive()) {
            Runnable t = awaitOffer();
            if (t == null || !OFFER.compareAndSet(this, t, TAKEN)) {
                continue; // none, or the owner withdrew it
            }
            try {
                t.run();
            } catch (Throwable e) {
                failure = e;
            }
            offer = null;
        }
    }

    /**
     * The next offer, after a spin and then a park; null when the park ended without one. The spin
     * lasts {@link #SPIN_NANOS}, or while the core is the partner's own {@link #OWN_CORE_SPIN_NANOS}:
     * a small step's products are then all spun for.
     */
    private Runnable awaitOffer() {
        long start = System.nanoTime();
        Runnable t;
        while ((t = offer) == null) {
            boolean own = coreOfItsOwn;
            if (System.nanoTime() - start > (own ? OWN_CORE_SPIN_NANOS : SPIN_NANOS)) {
                break;
            }
            if (own) {
                if (!readPrefetchChunk()) {
                    Thread.onSpinWait();
                }
            } else {
                Thread.yield(); // gives the core to any other thread that wants it, at once
            }
        }
        if (t != null) {
            return t;
        }
        parked = true; // the owner reads this after publishing an offer: one of the two sees the other
        if (offer == null) {
            LockSupport.parkNanos(this, PARK_NANOS);
        }
        parked = false;
        return offer;
    }

    private record Prefetch(Pointer at, long bytes) {}
}
