"""The whole URL surface of a node, in one place."""

from __future__ import annotations

from aiohttp import web

from live.web import api, catalogue, embeds, ops, pages, replay, ws
from live.web import dashboard
from live.web.context import SERVICES


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/healthz", ops.healthz)
    r.add_get("/readyz", ops.readyz)
    r.add_get("/metrics", ops.metrics_text)

    r.add_post("/api/v1/lectures", api.create_lecture)
    r.add_get("/api/v1/lectures", api.list_lectures)
    r.add_get("/api/v1/figures", dashboard.catalogue_json)
    r.add_post("/api/v1/import", catalogue.import_catalogue)
    r.add_get("/api/v1/lectures/{code}", api.get_lecture)
    r.add_patch("/api/v1/lectures/{code}", api.patch_lecture)
    r.add_post("/api/v1/lectures/{code}/status", api.set_status)
    r.add_get("/api/v1/lectures/{code}/comments", api.list_comments)
    r.add_post("/api/v1/lectures/{code}/comments/{id}/{action}", api.moderate_comment)
    r.add_get("/api/v1/lectures/{code}/questions", api.list_questions)
    r.add_post("/api/v1/lectures/{code}/questions/{id}", api.update_question)
    r.add_get("/api/v1/lectures/{code}/stats", api.stats)
    r.add_get("/api/v1/lectures/{code}/figures", api.figures)
    r.add_get("/api/v1/lectures/{code}/dashboard", dashboard.lecture_json)
    r.add_get("/api/v1/lectures/{code}/export", api.export_lecture)
    r.add_get("/api/v1/lectures/{code}/replay", replay.timeline)

    r.add_get("/api/v1/lectures/{code}/session", api.get_session)
    r.add_post("/api/v1/lectures/{code}/session", api.start_session)
    r.add_delete("/api/v1/lectures/{code}/session", api.end_session)
    r.add_post("/api/v1/lectures/{code}/moderator-key", api.rotate_key)
    r.add_get("/api/v1/lectures/{code}/moderation", api.moderation)
    r.add_get("/api/v1/lectures/{code}/words", api.get_words)
    r.add_put("/api/v1/lectures/{code}/words", api.put_words)
    r.add_get("/api/v1/lectures/{code}/restrictions", api.list_restrictions)
    r.add_post("/api/v1/lectures/{code}/restrictions", api.restrict)
    r.add_get("/api/v1/lectures/{code}/audit", api.audit)
    r.add_post("/api/v1/lectures/{code}/ingest", api.ingest)
    r.add_get("/api/v1/lectures/{code}/polls", api.list_polls)
    r.add_post("/api/v1/lectures/{code}/polls", api.create_poll)
    r.add_get("/api/v1/lectures/{code}/polls/leaderboard", api.leaderboard)
    r.add_post("/api/v1/lectures/{code}/polls/copy", api.copy_polls)
    r.add_patch("/api/v1/lectures/{code}/polls/{id}", api.edit_poll)
    r.add_post("/api/v1/lectures/{code}/polls/{id}/{action}", api.poll_action)

    r.add_get("/ws/{code}", ws.websocket)

    r.add_get("/", catalogue.index)
    r.add_get("/calendar.ics", catalogue.catalogue_calendar)
    r.add_get("/series/{name}", catalogue.series_page)
    r.add_get("/series/{name}/calendar.ics", catalogue.series_calendar)
    r.add_get("/speakers/{name}", catalogue.speaker_page)
    r.add_get("/l/{code}/calendar.ics", catalogue.lecture_calendar)
    r.add_get("/l/{code}", pages.viewer)
    r.add_get("/l/{code}/screen", embeds.screen)
    r.add_get("/l/{code}/control", pages.control)
    r.add_get("/l/{code}/speaker", pages.speaker)
    r.add_get("/l/{code}/qr.svg", embeds.qr_svg)
    r.add_get("/l/{code}/qr.png", embeds.qr_png)
    r.add_get("/l/{code}/poster", embeds.poster)
    r.add_get("/l/{code}/dashboard", dashboard.lecture_page)
    r.add_get("/figures", dashboard.catalogue_page)
    r.add_get("/l/{code}/replay", replay.page)
    r.add_get("/embed.js", embeds.loader)
    r.add_get("/embed/{code}", embeds.widget)
    r.add_get("/overlay/{code}", embeds.overlay)
    r.add_get("/static/{path:.+}", app[SERVICES].statics.handle)
