"""Media — /api/v1/media; stored files at /media/<key>; direct uploads to the app's own storage.

POST /api/v1/media                   multipart ``file``: a checked, re-encoded image
POST /api/v1/media/uploads           a pending media and a ticket to upload it directly
GET  /api/v1/media/<id>              the caller's own media
POST /api/v1/media/<id>/complete     check the uploaded object and make the media ready
POST /api/v1/media/local-uploads     where direct uploads go when storage is the local folder
GET  /media/<key>                    a file of the local folder, once its media is ready
"""

from __future__ import annotations

from flask import Blueprint as WebBlueprint
from flask import current_app, request, send_file

from marketplace.adapters.storage.base import IMMUTABLE_CACHE_CONTROL, content_type_of
from marketplace.database import read_only
from marketplace.errors import ValidationFailed
from marketplace.extensions import csrf, limiter
from marketplace.messages import N_
from marketplace.schemas.media import (
    DirectUploadRequestSchema,
    DirectUploadSchema,
    ImageUploadSchema,
    MediaSchema,
)
from marketplace.services.media import uploads as media_service
from marketplace.services.media.imaging import guard_pillow
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import require_user
from marketplace.web.request_rules import accepts_body, sign_in_first

blp = Blueprint("media", __name__, url_prefix="/api/v1/media", description="Images and videos")
web = WebBlueprint("media_files", __name__)

# Room for the multipart framing around a file at the limit.
FORM_OVERHEAD = 1024 * 1024
# A stored file is inert: never run as a page, whatever it holds.
FILE_CSP = "default-src 'none'; sandbox"


@web.record_once
def _guard_pillow(state) -> None:
    guard_pillow(state.app.config["MEDIA_MAX_PIXELS"])


@blp.route("", methods=["POST"])
@sign_in_first()
@accepts_body("multipart/form-data")
@blp.arguments(ImageUploadSchema, location="files")
@blp.response(201, MediaSchema)
def upload_image(files):
    """Upload a JPEG, PNG, WebP or HEIC image (multipart field ``file``; HEIC is stored as
    JPEG); 415 for anything else."""
    user = require_user()
    return media_service.upload_image(user, files["file"].stream)


@blp.route("/uploads", methods=["POST"])
@sign_in_first()
@blp.arguments(DirectUploadRequestSchema)
@blp.response(201, DirectUploadSchema)
def start_upload(data):
    """Start a direct upload to storage (large files, video clips): answers where to send it."""
    user = require_user()
    media, ticket = media_service.start_upload(user, **data)
    return {"media": media, "upload": ticket}


@blp.route("/<media_id>", methods=["GET"])
@sign_in_first()
@blp.response(200, MediaSchema)
def get_media(media_id):
    """One of the caller's own media."""
    return media_service.get_own_media(require_user(), media_id)


@blp.route("/<media_id>/complete", methods=["POST"])
@may_answer(409)
@sign_in_first()
@blp.response(200, MediaSchema)
def complete_upload(media_id):
    """Check the directly uploaded object and make the media ready (409 while it is absent)."""
    return media_service.complete_upload(require_user(), media_id)


@web.post("/api/v1/media/local-uploads")
@csrf.exempt
@accepts_body("multipart/form-data")
def receive_upload():
    """A direct upload to local storage: the signed policy in the form says what is allowed."""
    config = current_app.config
    # Video clips are larger than the app's usual body limit; the policy bounds each upload.
    request.max_content_length = (
        max(config["MEDIA_MAX_VIDEO_BYTES"], config["MEDIA_MAX_BYTES"]) + FORM_OVERHEAD
    )
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed.field("file", N_("Missing data for required field."))
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    media_service.receive_local_upload(request.form.to_dict(), stream, size)
    return "", 204


@web.get("/media/<path:key>")
@limiter.exempt
@read_only
def serve(key: str):
    """A file of local storage, when it belongs to a ready media (or is one of its variants)."""
    path = media_service.local_file(key)
    response = send_file(path, mimetype=content_type_of(key), conditional=True, etag=True)
    response.headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
    response.headers["Content-Security-Policy"] = FILE_CSP
    return response
