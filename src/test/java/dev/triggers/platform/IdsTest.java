package dev.triggers.platform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

class IdsTest {
    @Test
    void eventIdsAreVersion7AndStrictlyIncreasingWithinAMillisecond() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(Ids.uuidV7());
        }
        for (int i = 0; i < ids.size(); i++) {
            UUID id = ids.get(i);
            assertThat(id.version(), is(7));
            assertThat(id.variant(), is(2));
            if (i > 0) {
                assertThat("id " + i + " sorts after the one before it", compareUnsigned(id, ids.get(i - 1)), greaterThan(0));
            }
        }
    }

    @Test
    void theTimestampIsTheClocksMilliseconds() {
        long before = System.currentTimeMillis();
        UUID id = Ids.uuidV7();
        long millis = id.getMostSignificantBits() >>> 16;
        assertThat(millis >= before && millis <= System.currentTimeMillis() + 1, is(true));
    }

    @Test
    void aClockThatStepsBackOrACounterThatRunsOutStillGivesIncreasingStamps() {
        long start = Ids.nextStamp(System.currentTimeMillis());
        long previous = start;
        // 5,000 stamps in one millisecond overflow the 12-bit counter; then the clock steps back a second.
        for (int i = 0; i < 5_000; i++) {
            long next = Ids.nextStamp(start >>> 12);
            assertThat(next, greaterThan(previous));
            previous = next;
        }
        long back = Ids.nextStamp((start >>> 12) - 1_000);
        assertThat(back, greaterThan(previous));
    }

    @Test
    void idsFromConcurrentThreadsAreDistinctAndIncreasingPerThread() throws InterruptedException {
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        Set<UUID> all = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                UUID last = null;
                for (int i = 0; i < 5_000; i++) {
                    UUID id = Ids.uuidV7();
                    if (!all.add(id)) {
                        problems.add("repeated " + id);
                    }
                    if (last != null && compareUnsigned(id, last) <= 0) {
                        problems.add(id + " after " + last);
                    }
                    last = id;
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(problems.toString(), problems.isEmpty(), is(true));
        assertThat(all.size(), is(40_000));
    }

    @Test
    void randomIdsAreVersion4() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            UUID id = Ids.uuidV4();
            assertThat(id.version(), is(4));
            assertThat(id.variant(), is(2));
            seen.add(id);
        }
        assertThat(seen.size(), is(1_000));
    }

    /** PostgreSQL orders uuid values as unsigned bytes; {@link UUID#compareTo} compares signed longs. */
    private static int compareUnsigned(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }
}
