package dev.palisade.api.fleet;

import dev.palisade.api.ApiException;
import dev.palisade.api.ApiServer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.function.Function;

/**
 * The agent listener's HTTP routes: enrolment (which needs no client certificate: it is how a DPU gets one) and a
 * health check. The channel itself is a WebSocket upgrade handled by {@link Fleet}.
 */
final class AgentRoutes
{
    /** Enrolment bodies hold a few keys and a quote. */
    static final long MAX_BODY_BYTES = 64 * 1024;

    private final Router router;

    AgentRoutes(final Fleet fleet)
    {
        router = Router.router(fleet.vertx());
        router.get("/healthz").handler(context -> context.json(new JsonObject().put("status", "ok")
            .put("connected_agents", fleet.connectedCount())));
        router.post("/v1/agent/enrol").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
            .handler(context -> reply(context, fleet::beginEnrolment));
        router.post("/v1/agent/enrol/:id").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
            .handler(context -> reply(context, body -> fleet.completeEnrolment(context.pathParam("id"), body)));
        router.route().last().handler(context -> ApiServer.problem(context, new ApiException(404, "not-found",
            "Not found", context.request().method() + " " + context.request().path() + " is not an agent route " +
            "(POST /v1/agent/enrol, POST /v1/agent/enrol/{id}, GET /v1/agent/channel as a WebSocket)")));
        router.route().failureHandler(context -> ApiServer.problem(context, context.statusCode() == 413 ?
            new ApiException(413, "too-large", "Request body too large", "enrolment bodies are limited to " +
                MAX_BODY_BYTES + " bytes") : context.failure() != null ? context.failure() :
            new ApiException(context.statusCode(), "error", "Error", "the request failed")));
    }

    void handle(final HttpServerRequest request)
    {
        router.handle(request);
    }

    private static void reply(final RoutingContext context, final Function<JsonObject, Future<JsonObject>> action)
    {
        final JsonObject body;
        try
        {
            body = context.body().asJsonObject();
        }
        catch (final DecodeException | ClassCastException e)
        {
            ApiServer.problem(context, ApiException.badRequest("the body is not a JSON object", null));
            return;
        }
        if (body == null)
        {
            ApiServer.problem(context, ApiException.badRequest("a JSON object body is required", null));
            return;
        }
        final Future<JsonObject> answer;
        try
        {
            answer = action.apply(body);
        }
        catch (final ApiException e)
        {
            ApiServer.problem(context, e);
            return;
        }
        answer.onSuccess(context::json).onFailure(e -> ApiServer.problem(context, e));
    }
}
