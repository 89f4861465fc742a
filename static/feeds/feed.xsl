<?xml version="1.0" encoding="utf-8"?>
<!--
  Our Atom and RSS 2.0 feeds as a page a person can read: what the feed is, the address to copy into a
  feed reader, and the latest entries. Every feed names this stylesheet in an xml-stylesheet processing
  instruction, so a browser that still applies XSLT shows this page rather than raw XML (browsers that
  ask for HTML get the same page from the server: articles/feeds.py, feed_page).

  The feed's text goes out through value-of and attribute value templates only, which escape it: never
  disable-output-escaping, and no script or event handler anywhere (the site's Content-Security-Policy
  would refuse them too). The site's own stylesheet is named by its path, as a static file cannot ask
  Django for the URL: STATIC_URL is "/static/" (newsdiffs/settings.py), and a test checks that it resolves.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">

  <xsl:output method="html" encoding="utf-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:variable name="months">JanFebMarAprMayJunJulAugSepOctNovDec</xsl:variable>

  <xsl:template match="/">
    <xsl:apply-templates select="atom:feed | rss/channel"/>
  </xsl:template>

  <xsl:template match="atom:feed">
    <xsl:call-template name="page">
      <xsl:with-param name="title" select="atom:title"/>
      <xsl:with-param name="address" select="atom:link[@rel='self']/@href"/>
      <xsl:with-param name="description">
        <xsl:call-template name="unescape">
          <xsl:with-param name="text" select="atom:subtitle"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="site" select="atom:link[@rel='alternate']/@href"/>
      <xsl:with-param name="entries" select="atom:entry"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="channel">
    <xsl:call-template name="page">
      <xsl:with-param name="title" select="title"/>
      <xsl:with-param name="address" select="atom:link[@rel='self']/@href"/>
      <xsl:with-param name="description">
        <xsl:call-template name="unescape">
          <xsl:with-param name="text" select="description"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="site" select="link"/>
      <xsl:with-param name="entries" select="item"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="page">
    <xsl:param name="title"/>
    <xsl:param name="address"/>
    <xsl:param name="description"/>
    <xsl:param name="site"/>
    <xsl:param name="entries"/>
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title><xsl:value-of select="$title"/> (feed) · newsdiffs</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml"/>
        <link rel="stylesheet" href="/static/css/site.css"/>
      </head>
      <body>
        <a class="skip" href="#content">Skip to content</a>
        <header class="site-header">
          <a class="brand" href="/">newsdiffs</a>
        </header>
        <main id="content">
          <h1><xsl:value-of select="$title"/></h1>
          <p class="notice">This is a feed: a feed reader shows each new entry as it comes. To subscribe,
            copy this address into your reader:</p>
          <p><code class="feed-address"><xsl:value-of select="$address"/></code></p>
          <p>
            <xsl:if test="string($description)"><xsl:value-of select="$description"/>. </xsl:if>
            <a href="{$site}">Back to the site</a>.
          </p>
          <h2>Latest entries</h2>
          <xsl:choose>
            <xsl:when test="$entries">
              <ul class="feed-entries"><xsl:apply-templates select="$entries"/></ul>
            </xsl:when>
            <xsl:otherwise><p class="empty">No entry yet.</p></xsl:otherwise>
          </xsl:choose>
        </main>
        <footer class="site-footer">newsdiffs keeps every version of the articles it tracks</footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <xsl:call-template name="entry">
      <xsl:with-param name="title" select="atom:title"/>
      <xsl:with-param name="link" select="atom:link[@rel='alternate']/@href"/>
      <xsl:with-param name="when" select="atom:updated"/>
      <xsl:with-param name="summary" select="atom:summary"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="item">
    <xsl:call-template name="entry">
      <xsl:with-param name="title" select="title"/>
      <xsl:with-param name="link" select="link"/>
      <xsl:with-param name="when">
        <xsl:call-template name="rfc822-to-iso">
          <xsl:with-param name="date" select="pubDate"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="summary" select="description"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="entry">
    <xsl:param name="title"/>
    <xsl:param name="link"/>
    <xsl:param name="when"/>
    <xsl:param name="summary"/>
    <li>
      <a href="{$link}"><bdi><xsl:value-of select="$title"/></bdi></a>
      <xsl:text> · </xsl:text>
      <time datetime="{$when}"><xsl:call-template name="readable-date">
        <xsl:with-param name="iso" select="string($when)"/>
      </xsl:call-template></time>
      <br/>
      <xsl:value-of select="$summary"/>
    </li>
  </xsl:template>

  <!-- "2026-11-20T12:30:00.5+00:00" as "20 Nov 2026, 12:30 UTC", as the site writes dates. -->
  <xsl:template name="readable-date">
    <xsl:param name="iso"/>
    <xsl:variable name="zone">
      <xsl:choose>
        <xsl:when test="substring($iso, string-length($iso)) = 'Z'">+00:00</xsl:when>
        <xsl:otherwise><xsl:value-of select="substring($iso, string-length($iso) - 5)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:value-of select="number(substring($iso, 9, 2))"/>
    <xsl:text> </xsl:text>
    <xsl:value-of select="substring($months, (number(substring($iso, 6, 2)) - 1) * 3 + 1, 3)"/>
    <xsl:text> </xsl:text>
    <xsl:value-of select="substring($iso, 1, 4)"/>
    <xsl:text>, </xsl:text>
    <xsl:value-of select="substring($iso, 12, 5)"/>
    <xsl:text> </xsl:text>
    <xsl:choose>
      <xsl:when test="$zone = '+00:00'">UTC</xsl:when>
      <xsl:otherwise><xsl:value-of select="$zone"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- RSS's "Fri, 20 Nov 2026 12:30:00 +0000" (RFC 822, as Django writes it: two-digit day) in ISO 8601. -->
  <xsl:template name="rfc822-to-iso">
    <xsl:param name="date"/>
    <xsl:variable name="rest" select="normalize-space(substring-after($date, ','))"/>
    <xsl:variable name="month" select="string-length(substring-before($months, substring($rest, 4, 3))) div 3 + 1"/>
    <xsl:variable name="zone" select="substring($rest, 22, 5)"/>
    <xsl:value-of select="concat(substring($rest, 8, 4), '-', format-number($month, '00'), '-',
        substring($rest, 1, 2), 'T', substring($rest, 13, 8),
        substring($zone, 1, 3), ':', substring($zone, 4, 2))"/>
  </xsl:template>

  <!-- A feed's description is HTML to feed readers (RSS's by custom, Atom's subtitle type="html"), so the
       feed carries the text escaped (ChangesFeed.description): what Django's escape() made of it (&amp;
       &lt; &gt; &quot; &#x27;) back to the text here, which value-of escapes once more on the way out. -->
  <xsl:template name="unescape">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="contains($text, '&amp;')">
        <xsl:variable name="after" select="substring-after($text, '&amp;')"/>
        <xsl:variable name="name" select="substring-before($after, ';')"/>
        <xsl:value-of select="substring-before($text, '&amp;')"/>
        <xsl:choose>
          <xsl:when test="$name = 'amp'">&amp;</xsl:when>
          <xsl:when test="$name = 'lt'">&lt;</xsl:when>
          <xsl:when test="$name = 'gt'">&gt;</xsl:when>
          <xsl:when test="$name = 'quot'">"</xsl:when>
          <xsl:when test="$name = '#x27' or $name = '#39'">'</xsl:when>
          <xsl:otherwise>&amp;</xsl:otherwise>
        </xsl:choose>
        <xsl:call-template name="unescape">
          <xsl:with-param name="text">
            <xsl:choose>
              <xsl:when test="$name = 'amp' or $name = 'lt' or $name = 'gt' or $name = 'quot'
                  or $name = '#x27' or $name = '#39'">
                <xsl:value-of select="substring-after($after, ';')"/>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="$after"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
