package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/partnerdir/partnerdir/internal/demo"
)

// seedDemo runs "seed demo".
func seedDemo(ctx context.Context, e env) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := demo.Load(ctx, a.Pool, a.Directory)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo data: %d organisations created, %d already present\n", len(res.Created), len(res.Skipped))
	if len(res.Created) > 0 {
		fmt.Fprintf(e.stdout, "created: %s\n", strings.Join(res.Created, ", "))
	}
	media, err := demo.LoadMedia(ctx, a.Directory, a.Config.UploadDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo media: %d logos and %d documents added\n", media.Logos, media.Documents)
	articles, err := demo.LoadNews(ctx, a.Pool, a.News)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo news: %d articles created, %d already present\n", len(articles.Created), len(articles.Skipped))
	if len(articles.Created) > 0 {
		fmt.Fprintf(e.stdout, "created: %s\n", strings.Join(articles.Created, ", "))
	}
	return nil
}
