"""File upload: the reference solution."""

import hashlib
import json
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, File, HTTPException, Response, UploadFile
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from pydantic import BaseModel

CHUNK = 64 * 1024
DEFAULT_TYPES = frozenset({"text/plain", "image/png", "image/jpeg", "application/pdf"})
# Ids are 32 lower-case hex digits: anything else is rejected before it gets near a path.
ID = re.compile(r"[0-9a-f]{32}")


class StoredFile(BaseModel):
    """What an upload stored, under which id."""

    id: str
    filename: str
    content_type: str
    size: int
    sha256: str


class Refusal(BaseModel):
    """Why a request was refused."""

    detail: str


def refused(why: str) -> dict[str, Any]:
    return {"model": Refusal, "description": why}


def clean_filename(name: str | None) -> str:
    """The last path component (either slash), without control characters; "upload" if nothing is left."""
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in last if unicodedata.category(c) != "Cc") or "upload"


def content_disposition(filename: str) -> str:
    """RFC 6266: a quoted ASCII filename, plus filename* in UTF-8 when the name is not ASCII."""
    fallback = "".join(c if c.isascii() and c.isprintable() else "_" for c in filename)
    fallback = fallback.replace("\\", "\\\\").replace('"', '\\"')
    if filename.isascii():
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def create_app(
    storage_dir: Path, *, max_bytes: int = 1_048_576, allowed_types: frozenset[str] = DEFAULT_TYPES
) -> FastAPI:
    storage = Path(storage_dir)
    storage.mkdir(parents=True, exist_ok=True)
    app = FastAPI(title="File storage", version="1.0")
    accepted = ", ".join(sorted(allowed_types))

    def paths(file_id: str) -> tuple[Path, Path]:
        if not ID.fullmatch(file_id):
            raise HTTPException(status_code=404, detail="no such file")
        return storage / f"{file_id}.bin", storage / f"{file_id}.json"

    @app.post(
        "/files", status_code=201,
        responses={201: {"description": "Stored", "headers": {"Location": {
                       "description": "/files/{id}, where the file can be downloaded", "schema": {"type": "string"}}}},
                   400: refused("Not a well-formed multipart/form-data body"),
                   413: refused(f"Larger than {max_bytes} bytes"), 415: refused(f"Not one of: {accepted}")},
        # The file part's media types, so clients (and API fuzzers) know what an acceptable upload looks like.
        openapi_extra={"requestBody": {"content": {"multipart/form-data": {"encoding": {"file": {
            "contentType": accepted}}}}}},
    )
    async def upload(file: Annotated[UploadFile, File()], response: Response) -> StoredFile:
        media_type = (file.content_type or "").split(";", 1)[0].strip().lower()
        if media_type not in allowed_types:
            raise HTTPException(status_code=415, detail=f"type {media_type!r} is not accepted")
        file_id = secrets.token_hex(16)
        data_path, meta_path = paths(file_id)
        partial = storage / f"{file_id}.part"
        digest, size = hashlib.sha256(), 0
        try:
            # Chunk by chunk: memory stays flat however large the upload, and the limit is checked as we go.
            with partial.open("wb") as out:
                while chunk := await file.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise HTTPException(status_code=413, detail=f"larger than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            meta = {"id": file_id, "filename": clean_filename(file.filename), "content_type": media_type,
                    "size": size, "sha256": digest.hexdigest()}
            meta_path.write_text(json.dumps(meta), encoding="utf-8")
            os.replace(partial, data_path)
        except BaseException:
            partial.unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
            raise
        response.headers["Location"] = f"/files/{file_id}"
        return StoredFile(**meta)

    @app.get(
        "/files/{file_id}", response_class=FileResponse,
        responses={200: {"description": "The bytes uploaded, as the type they were uploaded as",
                         "content": {media: {"schema": {"type": "string", "format": "binary"}}
                                     for media in sorted(allowed_types)},
                         "headers": {"Content-Disposition": {"description": "attachment, with the filename",
                                                             "schema": {"type": "string"}}}},
                   404: refused("No such file")},
    )
    async def download(file_id: str) -> FileResponse:
        data_path, meta_path = paths(file_id)
        if not data_path.is_file() or not meta_path.is_file():
            raise HTTPException(status_code=404, detail="no such file")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return FileResponse(data_path, media_type=meta["content_type"],
                            headers={"Content-Disposition": content_disposition(meta["filename"])})

    @app.delete("/files/{file_id}", status_code=204, responses={404: refused("No such file")})
    async def remove(file_id: str) -> Response:
        data_path, meta_path = paths(file_id)
        if not data_path.is_file():
            raise HTTPException(status_code=404, detail="no such file")
        data_path.unlink()
        meta_path.unlink(missing_ok=True)
        return Response(status_code=204)

    def openapi() -> dict[str, Any]:
        # FastAPI lists a 422 for every route with a parameter, but a plain string in the path always validates:
        # GET and DELETE never send one.
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            for operation in schema["paths"]["/files/{file_id}"].values():
                operation["responses"].pop("422")
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
