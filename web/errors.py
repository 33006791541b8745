"""Errors at the edge: ``CongvanError`` and HTTP errors become a Vietnamese page, or JSON under /api."""
from __future__ import annotations

import logging

from flask import Response, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập (hoặc mã truy cập API hợp lệ).",
    403: "Bạn không có quyền làm việc này.",
    404: "Không tìm thấy trang hoặc văn bản này.",
    405: "Phương thức không được hỗ trợ ở địa chỉ này.",
    413: "Tệp gửi lên quá lớn.",
    415: "Loại tệp không được hỗ trợ.",
    429: "Quá nhiều yêu cầu. Vui lòng thử lại sau.",
    500: "Lỗi máy chủ. Vui lòng thử lại sau hoặc báo quản trị viên.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def error_response(message: str, status: int) -> Response:
    if wants_json():
        response = jsonify({"error": message})
    else:
        response = make_response(render_template("error.html", message=message, status=status))
    response.status_code = status
    return response


def init_app(app) -> None:
    from archive.errors import CongvanError

    @app.errorhandler(CongvanError)
    def congvan_error(exc: CongvanError):
        status = exc.http_status if 400 <= exc.http_status < 600 else 400
        if status >= 500:
            log.error("congvan error on %s: %s", request.path, exc.message)
        return error_response(exc.message, status)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return error_response("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (thiếu mã CSRF). "
                              "Vui lòng tải lại trang và thử lại.", 400)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, exc.name)
        # Our own aborts carry a Vietnamese description; werkzeug's defaults are English.
        if exc.description and exc.description != type(exc).description:
            message = exc.description
        response = error_response(message, status)
        if status == 405 and exc.get_headers():
            allow = dict(exc.get_headers()).get("Allow")
            if allow:
                response.headers["Allow"] = allow
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if current_app.testing:  # let a test see the real traceback
            raise exc
        log.exception("unexpected error on %s", request.path)
        return error_response(HTTP_MESSAGES[500], 500)

    @app.after_request
    def security_headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        return response
