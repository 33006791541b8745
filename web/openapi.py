"""The OpenAPI 3.1 description of ``/api/v1`` (written by hand; tests check it names every API route)."""
from __future__ import annotations


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(description: str, schema_ref: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
_COMMON_ERRORS = {"401": _error("Thiếu hoặc sai mã truy cập."), "404": _error("Không tìm thấy.")}


def openapi_document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "congvan API",
            "version": "1",
            "description": "Kho công văn: tải lên, theo dõi xử lý, đọc, tìm kiếm văn bản và theo dõi nhiệm vụ.",
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": {
            "/documents": {"post": {
                "summary": "Tải lên một văn bản (quét, PDF hoặc văn bản) để xử lý",
                "description": "Chỉ văn thư hoặc quản trị viên. Trả về công việc để theo dõi.",
                "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}},
                "responses": {
                    "202": _json("Đã nhận; công việc đang chờ xử lý.", "JobAccepted"),
                    "400": _error("Tệp không đọc được (rỗng, hỏng, sai loại …)."),
                    "403": _error("Không đủ quyền."),
                    "413": _error("Tệp vượt giới hạn."),
                    "415": _error("Loại tệp không được hỗ trợ."),
                    **_COMMON_ERRORS},
            }},
            "/jobs/{job_id}": {"get": {
                "summary": "Trạng thái một công việc xử lý",
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _json("Trạng thái.", "Job"), **_COMMON_ERRORS},
            }},
            "/documents/{document_id}": {"get": {
                "summary": "Một văn bản: các trường, nội dung, nhiệm vụ, văn bản được dẫn chiếu",
                "parameters": [{"name": "document_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": _json("Văn bản.", "Document"), **_COMMON_ERRORS},
            }},
            "/search": {"get": {
                "summary": "Tìm kiếm toàn văn (có hoặc không dấu)",
                "parameters": [
                    _query("q", "Từ khóa, số ký hiệu, cụm từ trong ngoặc kép"),
                    _query("type", "Loại văn bản, ví dụ Công văn"),
                    _query("issuer", "Cơ quan ban hành"),
                    _query("year", "Năm ban hành", {"type": "integer"}),
                    _query("from", "Từ ngày (YYYY-MM-DD)", {"type": "string", "format": "date"}),
                    _query("to", "Đến ngày (YYYY-MM-DD)", {"type": "string", "format": "date"}),
                    _query("open_tasks", "1: chỉ văn bản còn nhiệm vụ chưa hoàn thành"),
                    _query("sort", "relevance | date", {"enum": ["relevance", "date"]}),
                    _query("page", "Trang (từ 1)", {"type": "integer", "minimum": 1}),
                    _query("per_page", "Số kết quả mỗi trang (tối đa 100)", {"type": "integer", "maximum": 100}),
                ],
                "responses": {"200": _json("Kết quả.", "SearchResults"), "401": _COMMON_ERRORS["401"]},
            }},
            "/tasks": {"get": {
                "summary": "Nhiệm vụ trích từ các văn bản, việc gấp trước",
                "parameters": [
                    _query("q", "Từ trong nội dung nhiệm vụ (có hoặc không dấu)"),
                    _query("status", "todo | doing | done | open", {"enum": ["todo", "doing", "done", "open"]}),
                    _query("assignee", "Đơn vị chủ trì hoặc phối hợp (một phần tên)"),
                    _query("issuer", "Cơ quan ban hành văn bản nguồn"),
                    _query("month", "Tháng của thời hạn (YYYY-MM)"),
                    _query("due_before", "Thời hạn đến hết ngày (YYYY-MM-DD)", {"type": "string", "format": "date"}),
                ],
                "responses": {"200": _json("Danh sách.", "TaskList"), "400": _error("Tham số sai."),
                              "401": _COMMON_ERRORS["401"]},
            }},
            "/tasks/{task_id}": {"patch": {
                "summary": "Đổi trạng thái một nhiệm vụ (mọi người dùng đã đăng nhập)",
                "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status"],
                    "properties": {"status": {"enum": ["todo", "doing", "done"]}}}}}},
                "responses": {"200": _json("Nhiệm vụ sau khi đổi.", "Task"), "400": _error("Trạng thái sai."),
                              **_COMMON_ERRORS},
            }},
            "/openapi.json": {"get": {
                "summary": "Tài liệu này", "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Mã cá nhân: congvan token create TÊN"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "JobAccepted": {"type": "object", "required": ["job_id", "job_url"], "properties": {
                    "job_id": {"type": "integer"}, "job_url": {"type": "string"},
                    "status": {"enum": ["queued", "running", "done", "failed"]},
                    "document_id": {"type": ["integer", "null"]}}},
                "Job": {"type": "object", "required": ["status", "stage", "document_id", "error"], "properties": {
                    "id": {"type": "integer"},
                    "status": {"enum": ["queued", "running", "done", "failed"]},
                    "stage": {"enum": ["queued", "ocr", "restore", "parse", "store", "index", "done", "failed"]},
                    "stage_label": {"type": "string"}, "progress": {"type": "integer"},
                    "document_id": {"type": ["integer", "null"]}, "error": _NULLABLE_STR,
                    "filename": {"type": "string"}}},
                "Task": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "document_id": {"type": "integer"}, "ref": _NULLABLE_STR,
                    "action": {"type": "string"}, "assignees": {"type": "array", "items": {"type": "string"}},
                    "collaborators": {"type": "array", "items": {"type": "string"}},
                    "deadline": _NULLABLE_DATE, "deadline_text": _NULLABLE_STR,
                    "recurrence": {"type": ["string", "null"], "description": "RRULE, ví dụ FREQ=MONTHLY"},
                    "due_time": _NULLABLE_STR, "status": {"enum": ["todo", "doing", "done"]},
                    "overdue": {"type": "boolean"}, "source": {"type": "string"}, "issuer": _NULLABLE_STR}},
                "TaskList": {"type": "object", "properties": {
                    "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                    "total": {"type": "integer"}}},
                "Hit": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "number_symbol": _NULLABLE_STR, "doc_type": _NULLABLE_STR,
                    "date": _NULLABLE_DATE, "subject": _NULLABLE_STR, "issuer": _NULLABLE_STR,
                    "score": {"type": "number"},
                    "snippet_html": {"type": "string", "description": "HTML đã thoát ký tự; từ khớp trong <mark>"},
                    "url": {"type": "string"}}},
                "SearchResults": {"type": "object", "properties": {
                    "q": {"type": "string"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "total": {"type": "integer"}, "sort": {"enum": ["relevance", "date"]},
                    "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                    "facets": {"type": "object", "additionalProperties": {
                        "type": "array", "items": {"type": "array", "prefixItems": [{}, {"type": "integer"}]}}}}},
                "Document": {"type": "object", "description": "Các trường theo letter.schema.json, cộng siêu dữ liệu kho",
                             "properties": {
                                 "id": {"type": "integer"}, "sha256": {"type": "string"},
                                 "filename": {"type": "string"}, "mime": {"type": "string"},
                                 "doc_type": _NULLABLE_STR, "number_symbol": _NULLABLE_STR,
                                 "issuer": _NULLABLE_STR, "place": _NULLABLE_STR, "date": _NULLABLE_DATE,
                                 "subject": _NULLABLE_STR, "text": {"type": "string"},
                                 "raw_text": {"type": "string"},
                                 "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                                 "references": {"type": "array", "items": {"type": "object"}}}},
            },
        },
    }
