package dev.ferry.server.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The results store's writes never wait: a full queue drops and counts them; what is queued is written at close. */
class ResultsWriterTest {
    @Test
    void aFullQueueDropsWritesAndCountsThemAndCloseWritesWhatIsQueued() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> written = new ArrayList<>();
        ResultsWriter writer = new ResultsWriter(2, batch -> {
            writing.countDown();
            try {
                release.await(10, TimeUnit.SECONDS); // a slow database
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batch.forEach(e -> written.add(e.key()));
        }, () -> true, Duration.ofHours(1));
        writer.offer("a", new byte[1]);
        assertTrue(writing.await(10, TimeUnit.SECONDS), "the writer took the first write");
        for (String key : List.of("b", "c", "d", "e")) {
            writer.offer(key, new byte[1]); // b and c fill the queue of 2; d and e find it full
        }
        assertEquals(2, writer.dropped());
        release.countDown();
        writer.close(Duration.ofSeconds(10));
        assertEquals(List.of("a", "b", "c"), written);
    }
}
