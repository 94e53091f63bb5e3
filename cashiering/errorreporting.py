"""Error reports (the traceback mailed or shown to an Admin) hide every secret a form posted."""

import re
from typing import cast

from django.utils.datastructures import MultiValueDict
from django.views.debug import SafeExceptionReporterFilter

# Posted names that hold a password or a one-time code, whatever the form calls them: the
# sign-in and password-change forms (password, old_password, new_password1/2), the counter's
# approver (supervisor_password, <prefix>-supervisor_password), the custody and closing
# witnesses (<who>_password), a two-factor code (otp_token), the one-time form tokens.
SENSITIVE_POST_NAME = re.compile(r"pass|secret|otp|token|pin$", re.IGNORECASE)


class SensitiveNamesReporterFilter(SafeExceptionReporterFilter):
    """Django's filter hides POSTed values only for views marked @sensitive_post_parameters;
    this one also hides any POSTed value whose name matches SENSITIVE_POST_NAME, on every view
    (Django's own rules stay: settings and headers whose names speak of secrets are hidden)."""

    def get_post_parameters(self, request):
        """request.POST with sensitive values replaced by stars (a copy; when DEBUG is off)."""
        post = cast(MultiValueDict, super().get_post_parameters(request))
        if request is None or not self.is_active(request):
            return post
        names = [name for name in post if SENSITIVE_POST_NAME.search(name)]
        if not names:
            return post
        cleansed = post.copy()
        for name in names:
            cleansed.setlist(name, [self.cleansed_substitute] * len(post.getlist(name)))
        return cleansed
