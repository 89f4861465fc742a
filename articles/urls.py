from django.urls import path

from articles import feeds, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sources/", views.sources, name="sources"),
    path("sources/<slug:slug>/", views.source, name="source"),
    path("search/", views.search, name="search"),
    path("track/", views.track, name="track"),
    path("articles/<number:pk>/", views.article, name="article"),
    path("articles/<number:pk>/compare/", views.compare, name="compare"),
    path("articles/<number:pk>/check/", views.check_now, name="check-now"),
    path("articles/<number:pk>/archive.warc.gz", views.article_warc, name="article_warc"),
    path("articles/<number:pk>/versions/<number:number>/", views.version, name="version"),
    path("articles/<number:pk>/diff/<number:a>/<number:b>/", views.diff, name="diff"),
    path("articles/<number:pk>/diff/<number:a>/<number:b>/card.png", views.diff_card, name="diff_card"),
    path("staff/notifications/", views.notifications, name="notifications"),
    path("staff/notifications/rules/<number:pk>/test/", views.notification_test, name="notification-test"),
    path("staff/notifications/deliveries/<number:pk>/resend/", views.delivery_resend, name="delivery-resend"),
]

FEEDS = [
    ("articles/<number:pk>/feed", feeds.ArticleFeed, "article-feed"),
    ("sources/<slug:slug>/feed", feeds.SourceFeed, "source-feed"),
    ("feeds/changes", feeds.AllChangesFeed, "changes-feed"),
    ("feeds/headlines", feeds.HeadlineChangesFeed, "headlines-feed"),
    ("search/feed", feeds.SearchFeed, "search-feed"),
]
for route, feed_class, name in FEEDS:
    urlpatterns += [
        path(f"{route}.rss", feeds.feed_view(feed_class, rss=True), name=f"{name}-rss"),
        path(f"{route}.atom", feeds.feed_view(feed_class, rss=False), name=f"{name}-atom"),
    ]
urlpatterns.append(path("search/feed", feeds.feed_view(feeds.SearchFeed, rss=False), name="search-feed"))
