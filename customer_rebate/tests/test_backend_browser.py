from odoo.tests import HttpCase, tagged

# Fails the test unless the web client has rendered its main navigation bar.
CHECK_BACKEND = """
const navbar = document.querySelector('.o_main_navbar');
if (navbar) {
    console.log('test successful');
} else {
    console.error('the backend did not render its navigation bar');
}
"""


@tagged("post_install", "-at_install", "customer_rebate")
class TestBackendBrowser(HttpCase):
    def test_admin_logs_in_and_opens_the_backend(self):
        self.browser_js("/odoo", CHECK_BACKEND, ready="odoo.isReady === true", login="admin")

    def test_login_page_answers(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertIn(b'name="login"', response.content)
