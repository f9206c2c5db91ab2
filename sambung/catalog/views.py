"""The back office for cooperatives: made for a phone screen."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from sambung.accounts.access import memberships_of


@login_required
def home(request):
    memberships = memberships_of(request.user)
    if len(memberships) == 1:
        return redirect("office:dashboard", memberships[0].cooperative.slug)
    return render(request, "office/home.html", {"memberships": memberships})
