from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def start(request):  # placeholder, replaced by the pages work
    return HttpResponse("todo")
