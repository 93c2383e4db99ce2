package dev.ferry.server.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.ApiStatus;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.Transport;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    final ApiKeys keys = new ApiKeys(List.of("k1=acme", "k2"), List.of("root=ops"));

    @Test
    void aKeyMayBindItsTenant() {
        assertEquals("acme", keys.check("Bearer k1", false));
        assertNull(keys.check("Bearer k2", false));
        assertEquals("ops", keys.check("bearer root", true), "scheme is case-insensitive; admin keys open everything");
        assertEquals(ApiStatus.UNAUTHENTICATED, assertThrows(ApiException.class, () -> keys.check("Bearer k1=acme", false)).status());
        assertEquals(ApiStatus.UNAUTHENTICATED, assertThrows(ApiException.class, () -> keys.check(null, false)).status());
        assertEquals(ApiStatus.PERMISSION_DENIED, assertThrows(ApiException.class, () -> keys.check("Bearer k1", true)).status());
        assertNull(ApiKeys.none().check(null, true));
    }

    @Test
    void theKeysTenantWinsThenTheBodyThenTheHeader() {
        InferenceRequest r = new InferenceRequest(null, new Prompt.Text("x"), 1, null, null, null, false, null, "claimed",
                null, 0, Transport.GRPC);
        assertEquals("acme", r.withTenant("acme", "header").tenant());
        assertEquals("claimed", r.withTenant(null, "header").tenant());
        InferenceRequest unnamed = new InferenceRequest(null, new Prompt.Text("x"), 1, null, null, null, false, null, "",
                null, 0, Transport.HTTP);
        assertEquals("header", unnamed.withTenant(null, "header").tenant());
        assertNull(unnamed.withTenant(null, null).tenant(), "accounting names it default later");
    }
}
