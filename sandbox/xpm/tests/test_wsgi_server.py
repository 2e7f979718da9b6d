import pytest

from sandbox.xpm.wsgi_server import WSGIServer

CLIENT = ("127.0.0.1", 50000)


@pytest.fixture
def server():
    served = WSGIServer(("127.0.0.1", 0), lambda environ, start_response: [])
    yield served
    served.server_close()


@pytest.mark.parametrize("hang_up", [BrokenPipeError, ConnectionResetError])
def test_a_client_that_hangs_up_early_prints_nothing(server, capfd, hang_up):
    try:
        raise hang_up
    except hang_up:
        server.handle_error(None, CLIENT)

    assert capfd.readouterr().err == ""


def test_any_other_error_still_prints_its_traceback(server, capfd):
    try:
        raise ValueError("the handler broke")
    except ValueError:
        server.handle_error(None, CLIENT)

    printed = capfd.readouterr().err
    assert "Exception occurred during processing of request from ('127.0.0.1', 50000)" in printed
    assert "ValueError: the handler broke" in printed
