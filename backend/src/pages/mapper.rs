//! The field mapper's answer: what the tool says to a binding's request right now, or the
//! sample pasted on the tool when the call fails or the sample is asked for.

use domain::{
    Action,
    access::{Resource, ResourceKind},
    dto::{AnswerSource, MapperAnswer, SessionUser},
    page::RequestSpec,
    request::Variables,
    tool::parse_sample,
};

use super::PageService;
use crate::{Error, Result};

impl PageService {
    pub async fn mapper_answer(
        &self,
        actor: &SessionUser,
        tool_slug: &str,
        request: &RequestSpec,
        use_sample: bool,
    ) -> Result<MapperAnswer> {
        crate::authorize(
            actor,
            Action::EditPage,
            Resource::new(ResourceKind::Page, actor.org_id),
        )?;
        let target = self.tools.usable_target(actor, tool_slug).await?;
        let sample = || async {
            let text = self.tools.sample_of(target.tool.id).await?;
            Ok::<_, Error>(text.and_then(|text| parse_sample(&text).ok().flatten()))
        };
        if use_sample {
            return match sample().await? {
                Some(answer) => Ok(MapperAnswer {
                    source: AnswerSource::Sample,
                    answer,
                    fetched_at: None,
                    note: None,
                }),
                None => Err(Error::validation(
                    "sample",
                    "this tool has no sample answer: paste one in the Tool Manager",
                )),
            };
        }
        let request = request.rendered(&Variables::new());
        let failure = match self
            .connectors
            .fetch(
                &target,
                &request,
                domain::page::DEFAULT_CACHE_TTL_SECONDS,
                false,
            )
            .await
        {
            Ok(fetched) => {
                return Ok(MapperAnswer {
                    source: AnswerSource::Live,
                    answer: (*fetched.body).clone(),
                    fetched_at: Some(fetched.fetched_at),
                    note: fetched.stale.map(|why| {
                        format!("The tool did not answer just now ({why}); this is its last good answer.")
                    }),
                });
            }
            Err(err) => err.to_string(),
        };
        match sample().await? {
            Some(answer) => Ok(MapperAnswer {
                source: AnswerSource::Sample,
                answer,
                fetched_at: None,
                note: Some(format!("{failure} Showing the tool's sample answer.")),
            }),
            None => Err(Error::validation("request", &failure)),
        }
    }
}
